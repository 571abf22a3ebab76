#!/usr/bin/env bash
# Runs the whole gateway locally without Docker, Dapr or Aspire:
#   ./run.sh            start Redis, PostgreSQL and the five services in the foreground (Ctrl-C stops everything)
#   ./run.sh --detach   start them in the background and return once every health check passes
#   ./run.sh stop       stop a detached run
# Data lives under .gateway/ and is reused by the next run. The services get the same configuration keys Aspire
# would set (connection strings, service discovery, secrets), so nothing in them knows it runs locally.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="$ROOT/.gateway"
RUN="$STATE/run"
LOGS="$STATE/logs"
ENV_FILE="$STATE/local.env"
SECRETS_FILE="$STATE/secrets.env"

EDGE_PORT="${EDGE_PORT:-8080}"
REDIS_PORT="${REDIS_PORT:-6380}"
PG_PORT="${PG_PORT:-5433}"
# name http-port grpc-port
SERVICES=("KeyVault 5110 5111" "Config 5120 5121" "Cache 5130 5131" "Analytics 5140 5141" "Edge $EDGE_PORT -")

log() { printf '\033[1m[run.sh]\033[0m %s\n' "$*"; }
die() { printf '[run.sh] error: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- prerequisites --------------------------------------------------------------------------------------------------
ensure_packages() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
  [ -n "$(pg_bin_dir)" ] || missing+=(postgresql)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} with apt-get"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    # The Debian packages start system-wide instances; ours run on their own ports, so those may stay or go.
  fi
  command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK is required (https://dot.net)"
}

pg_bin_dir() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- secrets --------------------------------------------------------------------------------------------------------
random_token() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40; }

ensure_secrets() {
  if [ ! -f "$SECRETS_FILE" ]; then
    umask 077
    {
      echo "ADMIN_TOKEN=$(random_token)"
      echo "INTERNAL_TOKEN=$(random_token)"
      echo "MASTER_KEY=$(head -c 32 /dev/urandom | base64)"
    } > "$SECRETS_FILE"
    umask 022
  fi
  # shellcheck disable=SC1090
  source "$SECRETS_FILE"
}

# --- PostgreSQL -----------------------------------------------------------------------------------------------------
PG_USER_CMD=()
if [ "$(id -u)" -eq 0 ]; then PG_USER_CMD=(runuser -u postgres --); fi
pg_data_dir() {
  # PostgreSQL refuses to run as root: as root it runs as 'postgres', which must be able to reach the data folder.
  local dir="$STATE/postgres"
  if [ "$(id -u)" -eq 0 ]; then
    if ! runuser -u postgres -- test -x "$STATE" 2>/dev/null; then
      dir="/var/lib/gateway-local/$(echo "$ROOT" | md5sum | cut -c1-12)/postgres"
    fi
  fi
  echo "$dir"
}

start_postgres() {
  local bin="$PG_BIN_DIR" data="$PG_DATA"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising PostgreSQL in $data"
    mkdir -p "$data"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data" && chmod 700 "$data"
    "${PG_USER_CMD[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$LOGS/initdb.log"
  fi
  if "${PG_USER_CMD[@]}" "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "PostgreSQL already running"
  else
    port_in_use "$PG_PORT" && die "port $PG_PORT is taken; set PG_PORT to a free port"
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    touch "$LOGS/postgres.log" && [ "$(id -u)" -eq 0 ] && chown postgres "$LOGS/postgres.log"
    "${PG_USER_CMD[@]}" "$bin/pg_ctl" -D "$data" -l "$LOGS/postgres.log" -w \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$data" start >/dev/null
  fi
  for db in keyvaultdb configdb analyticsdb; do
    if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
      psql_admin -qc "CREATE DATABASE $db" >/dev/null
    fi
  done
}

psql_admin() { "$PG_BIN_DIR/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"; }

stop_postgres() {
  if [ -n "$PG_BIN_DIR" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
    "${PG_USER_CMD[@]}" "$PG_BIN_DIR/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# --- Redis ----------------------------------------------------------------------------------------------------------
start_redis() {
  if [ -f "$RUN/redis.pid" ] && kill -0 "$(cat "$RUN/redis.pid")" 2>/dev/null; then
    log "Redis already running"; return
  fi
  port_in_use "$REDIS_PORT" && die "port $REDIS_PORT is taken; set REDIS_PORT to a free port"
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  mkdir -p "$STATE/redis"
  local server
  server="$(command -v redis-server || echo /usr/bin/redis-server)"
  "$server" --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$STATE/redis" --appendonly yes \
    --daemonize yes --pidfile "$RUN/redis.pid" --logfile "$LOGS/redis.log"
  for _ in $(seq 50); do port_in_use "$REDIS_PORT" && return; sleep 0.1; done
  die "Redis did not start; see $LOGS/redis.log"
}

stop_redis() {
  if [ -f "$RUN/redis.pid" ]; then kill "$(cat "$RUN/redis.pid")" 2>/dev/null || true; rm -f "$RUN/redis.pid"; fi
}

# --- services -------------------------------------------------------------------------------------------------------
build() {
  log "building (Release)"
  dotnet build "$ROOT/Gateway.Services.slnf" -c Release -nologo -v q -clp:ErrorsOnly >"$LOGS/build.log" 2>&1 \
    || { cat "$LOGS/build.log"; die "build failed"; }
}

service_env() {
  cat <<EOF
ASPNETCORE_ENVIRONMENT=Production
ConnectionStrings__redis=127.0.0.1:$REDIS_PORT,abortConnect=false
ConnectionStrings__keyvaultdb=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=keyvaultdb
ConnectionStrings__configdb=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=configdb
ConnectionStrings__analyticsdb=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=analyticsdb
Security__AdminToken=$ADMIN_TOKEN
Security__InternalToken=$INTERNAL_TOKEN
KeyVault__MasterKey=$MASTER_KEY
services__keyvault__grpc__0=http://127.0.0.1:5111
services__config__grpc__0=http://127.0.0.1:5121
services__cache__grpc__0=http://127.0.0.1:5131
services__analytics__grpc__0=http://127.0.0.1:5141
EOF
}

start_services() {
  local entry name http grpc dll
  for entry in "${SERVICES[@]}"; do
    read -r name http grpc <<<"$entry"
    if [ -f "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
      log "$name already running"; continue
    fi
    port_in_use "$http" && die "port $http ($name) is taken; stop what uses it (or ./run.sh stop)"
    dll="$ROOT/services/$name/bin/Release/net10.0/Gateway.$name.dll"
    log "starting $name on http://127.0.0.1:$http${grpc:+ (gRPC ${grpc/-/none})}"
    local environment
    mapfile -t environment < <(service_env)
    environment+=("Kestrel__Endpoints__http__Url=http://127.0.0.1:$http")
    if [ "$grpc" != "-" ]; then
      environment+=("Kestrel__Endpoints__grpc__Url=http://127.0.0.1:$grpc" "Kestrel__Endpoints__grpc__Protocols=Http2")
    fi
    (cd "$(dirname "$dll")" && exec env "${environment[@]}" dotnet "$dll" >>"$LOGS/$name.log" 2>&1) &
    echo $! > "$RUN/$name.pid"
  done
}

wait_healthy() {
  local entry name http
  for entry in "${SERVICES[@]}"; do
    read -r name http _ <<<"$entry"
    for i in $(seq 120); do
      if curl -fsS "http://127.0.0.1:$http/health" >/dev/null 2>&1; then break; fi
      if ! kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
        tail -n 30 "$LOGS/$name.log" >&2; die "$name exited; see $LOGS/$name.log"
      fi
      [ "$i" -eq 120 ] && die "$name is not healthy after 60 s; see $LOGS/$name.log"
      sleep 0.5
    done
  done
  log "all services healthy"
}

stop_services() {
  local entry name
  for entry in "${SERVICES[@]}"; do
    read -r name _ <<<"$entry"
    # Edge first in the list is fine: it flushes its buffered usage to Analytics before exiting (SIGTERM).
    if [ -f "$RUN/$name.pid" ]; then kill -TERM "$(cat "$RUN/$name.pid")" 2>/dev/null || true; fi
  done
  for entry in "${SERVICES[@]}"; do
    read -r name _ <<<"$entry"
    if [ -f "$RUN/$name.pid" ]; then
      local pid; pid="$(cat "$RUN/$name.pid")"
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$RUN/$name.pid"
    fi
  done
}

stop_all() {
  log "stopping"
  # Edge before Analytics so that its last usage events still have somewhere to go.
  SERVICES=("Edge $EDGE_PORT -" "KeyVault 5110 5111" "Config 5120 5121" "Cache 5130 5131" "Analytics 5140 5141")
  stop_services
  stop_redis
  stop_postgres
  log "stopped"
}

# --- demo tenant ----------------------------------------------------------------------------------------------------
gatewayctl() { dotnet "$ROOT/cli/bin/Release/net10.0/gatewayctl.dll" "$@"; }

bootstrap_demo() {
  local saved_key=""
  [ -f "$ENV_FILE" ] && saved_key="$(grep '^DEMO_API_KEY=' "$ENV_FILE" | cut -d= -f2- || true)"
  if [ -n "$saved_key" ] && [ -f "$STATE/.demo-bootstrapped" ]; then
    DEMO_API_KEY="$saved_key"; DEMO_VIRTUAL_KEY=mock
    log "reusing the demo tenant from $ENV_FILE"
    return
  fi
  log "bootstrapping the demo tenant"
  local lines
  lines="$(KEYVAULT_GRPC=http://127.0.0.1:5111 CONFIG_GRPC=http://127.0.0.1:5121 ADMIN_TOKEN="$ADMIN_TOKEN" \
    gatewayctl demo bootstrap --env-file /dev/null)"
  DEMO_API_KEY="$(echo "$lines" | grep '^DEMO_API_KEY=' | cut -d= -f2-)"
  DEMO_VIRTUAL_KEY="$(echo "$lines" | grep '^DEMO_VIRTUAL_KEY=' | cut -d= -f2-)"
  touch "$STATE/.demo-bootstrapped"
}

write_env_file() {
  umask 077
  cat > "$ENV_FILE" <<EOF
EDGE_URL=http://127.0.0.1:$EDGE_PORT
DEMO_API_KEY=$DEMO_API_KEY
DEMO_VIRTUAL_KEY=$DEMO_VIRTUAL_KEY
ADMIN_TOKEN=$ADMIN_TOKEN
KEYVAULT_GRPC=http://127.0.0.1:5111
CONFIG_GRPC=http://127.0.0.1:5121
CACHE_GRPC=http://127.0.0.1:5131
ANALYTICS_GRPC=http://127.0.0.1:5141
EOF
  umask 022
}

print_summary() {
  cat <<EOF

  Gateway is running.
    Edge URL:     http://127.0.0.1:$EDGE_PORT
    Demo key:     $DEMO_API_KEY
    Virtual key:  $DEMO_VIRTUAL_KEY   (the built-in mock provider: a deterministic demo answer, no real model)
    Settings:     $ENV_FILE   (logs in $LOGS)

  Try a streamed completion:
    curl -N http://127.0.0.1:$EDGE_PORT/v1/chat/completions \\
      -H "Authorization: Bearer $DEMO_API_KEY" \\
      -H "x-gateway-virtual-key: $DEMO_VIRTUAL_KEY" \\
      -H "Content-Type: application/json" \\
      -d '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'

  Then its cost, from the Analytics gRPC API:
    ./gatewayctl usage --tenant demo

EOF
}

# --- main -----------------------------------------------------------------------------------------------------------
mkdir -p "$RUN" "$LOGS"
PG_BIN_DIR="$(pg_bin_dir || true)"
PG_DATA="$(pg_data_dir)"
case "${1:-}" in
  stop)
    stop_all; exit 0 ;;
  --detach|-d|"") ;;
  *) die "usage: ./run.sh [--detach | stop]" ;;
esac

ensure_packages
PG_BIN_DIR="$(pg_bin_dir)"
ensure_secrets
build
start_postgres
start_redis
if [ "${1:-}" != "--detach" ] && [ "${1:-}" != "-d" ]; then
  trap 'stop_all; exit 0' INT TERM
fi
start_services
wait_healthy
bootstrap_demo
write_env_file
print_summary

if [ "${1:-}" = "--detach" ] || [ "${1:-}" = "-d" ]; then
  log "running in the background; './run.sh stop' stops it"
  exit 0
fi
log "press Ctrl-C to stop"
while true; do sleep 3600 & wait $!; done
