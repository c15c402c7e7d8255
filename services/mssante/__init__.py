"""The MSSanté stand-in: secure health messaging, IHE XDM and the X-MSS rules (spec digest §3)."""
