#!/bin/bash
# Creates the replication user Debezium connects as. Mounted into /docker-entrypoint-initdb.d
# and run once, after init.sql, while the entrypoint's temporary server is up (socket only).
# The official image sources non-executable *.sh files and runs executable ones, so this script
# uses only the mysql client and the environment, and works either way.
#
# Grants are the minimum the Debezium MySQL connector documents:
#   SELECT, RELOAD, SHOW DATABASES (snapshot), REPLICATION SLAVE, REPLICATION CLIENT (binlog).
# (Add LOCK TABLES on RDS/Aurora, where RELOAD/FLUSH is not available.)

: "${MYSQL_DEBEZIUM_PASSWORD:?MYSQL_DEBEZIUM_PASSWORD must be set for the mysql service}"

# Quote for a SQL string literal: double single quotes and backslashes.
debezium_password_sql=${MYSQL_DEBEZIUM_PASSWORD//\\/\\\\}
debezium_password_sql=${debezium_password_sql//\'/\'\'}

mysql --protocol=socket -uroot -p"${MYSQL_ROOT_PASSWORD}" <<EOSQL
CREATE USER IF NOT EXISTS 'debezium'@'%' IDENTIFIED BY '${debezium_password_sql}';
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'debezium'@'%';
FLUSH PRIVILEGES;
EOSQL
