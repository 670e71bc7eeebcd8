#!/bin/bash
# A one-node SLURM on this machine for the cluster tests: munged, slurmctld and slurmd from
# Debian's slurm-wlm, every file under one folder, localhost only, ports chosen free.
#   local_slurm.sh start DIR   starts the daemons, waits for the node to be idle, writes DIR/env
#                               (source it: SLURM_CONF for the clients)
#   local_slurm.sh stop DIR    stops what start started (by the pids it recorded) and cancels jobs
# Needs root (slurmd runs jobs as their user; munged as munge). A daemon that does not start is
# an error: the tests fail, they never skip.
set -euo pipefail

command=${1:?usage: local_slurm.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: local_slurm.sh start|stop DIR}")

fail() { echo "local_slurm.sh: $*" >&2; exit 1; }

# A TCP port nothing listens on, from the given one upwards.
free_port() {
  local port=$1
  while (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

stop_pid_file() {
  local file=$1
  [[ -s $file ]] || return 0
  local pid; pid=$(cat "$file")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

start() {
  for tool in munged slurmctld slurmd sinfo; do
    command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || fail "$tool is not installed (apt-get install slurm-wlm munge)"
  done
  mkdir -p "$dir"/{state,spool,log,munge}
  # munged runs as the munge user: it has to reach its folder through ours (a test's temporary
  # folder is private, 0700). Traversal only: nothing becomes listable or readable.
  chmod go+x "$dir" "$(dirname "$dir")"
  chown munge:munge "$dir/munge"
  # munged: its own socket, pid and log files, so a system munged (if any) is left alone.
  local socket=$dir/munge/munge.socket
  runuser -u munge -- /usr/sbin/munged --force --socket="$socket" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" || fail "munged did not start (see $dir/munge/munged.log)"
  cp "$dir/munge/munged.pid" "$dir/munged.pid"

  local host; host=$(hostname -s)
  local memory; memory=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
  local cpus; cpus=$(nproc)
  local ctld_port; ctld_port=$(free_port 16817)
  local slurmd_port; slurmd_port=$(free_port $((ctld_port + 1)))
  cat > "$dir/slurm.conf" <<CONF
ClusterName=unict-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket,cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobRequeue=1
MinJobAge=3600
KillWait=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$dir/slurm.conf
  /usr/sbin/slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start (see $dir/log/slurmctld.log)"
  /usr/sbin/slurmd -f "$SLURM_CONF" || fail "slurmd did not start (see $dir/log/slurmd.log)"
  echo "export SLURM_CONF=$SLURM_CONF" > "$dir/env"
  local deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    if [[ $(timeout 3 sinfo -h -o %t 2>/dev/null) == idle ]]; then echo "local SLURM up: $SLURM_CONF"; return 0; fi
    sleep 0.2
  done
  sinfo >&2 || true
  fail "the node did not become idle within 30 s (see $dir/log)"
}

stop() {
  if [[ -f $dir/slurm.conf ]]; then
    SLURM_CONF=$dir/slurm.conf scancel --full --quiet -u root 2>/dev/null || true
  fi
  stop_pid_file "$dir/slurmd.pid"
  stop_pid_file "$dir/slurmctld.pid"
  stop_pid_file "$dir/munged.pid"
}

case $command in
  start) start ;;
  stop) stop ;;
  *) fail "unknown command '$command' (start or stop)" ;;
esac
