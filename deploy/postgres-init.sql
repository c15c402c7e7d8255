-- One database per service in split mode (DESIGN.md "Run modes" 2); run once by the postgres image.
CREATE DATABASE ins_teleservice;
CREATE DATABASE annuaire_sante;
CREATE DATABASE pro_sante_connect;
