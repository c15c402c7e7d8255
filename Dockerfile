# One image for every process of the sandbox: the gateway (`sandbox up`) and, in split mode,
# each service (`uvicorn services.<pkg>.main:app`).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core ./core
COPY gateway ./gateway
COPY services ./services
COPY scenarios ./scenarios
RUN pip install --no-cache-dir .
ENV SANDBOX_DATA_DIR=/data
EXPOSE 8080
CMD ["sandbox", "up", "--host", "0.0.0.0", "--port", "8080"]
