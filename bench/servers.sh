# Sourced by bench/run and bench/open_loop_ab: what both need to start the servers they
# compare, so that both measure the same baseline.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_port PORT: until something accepts on 127.0.0.1:PORT (5 s at most).
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "$(basename "$0"): nothing listens on port $1" >&2
  return 1
}

# write_nginx_conf DIR PORT [LISTEN_SUFFIX TLS_LINES]: the baseline, one nginx worker
# answering `return 204` to every request, its config at DIR/nginx.conf (logs in DIR/logs).
write_nginx_conf() {
  local dir=$1 port=$2 listen_suffix=${3:-} tls_lines=${4:-}
  mkdir -p "$dir/logs"
  cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
daemon off;
master_process off;
error_log $dir/logs/error.log;
pid $dir/nginx.pid;
events { worker_connections 20000; }
http {
  access_log off;
  keepalive_requests 1000000000;
  keepalive_timeout 120s;
  client_body_buffer_size 1m;
  client_max_body_size 1m;
  server {
    listen 127.0.0.1:$port$listen_suffix;
    $tls_lines
    location / { return 204; }
  }
}
CONF
}
