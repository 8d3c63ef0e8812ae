#!/usr/bin/env bash
# A throw-away single-node SLURM cluster for CI (Debian 12 packages, Slurm 22.05, no systemd).
#
#   ci/slurm/cluster.sh start    install (if needed) + configure + start munged, slurmctld, slurmd
#   ci/slurm/cluster.sh stop     stop the daemons that `start` started (by PID), wait for them
#   ci/slurm/cluster.sh status   show what is running
#
# Needs root and apt-get (Debian/Ubuntu). Everything listens on loopback only. The node is called
# `localhost` and sits in two partitions, `debug` (the default) and `batch`. There is no
# accounting (slurmdbd), so use the slurm executor plugin with `--slurm-status-command squeue`;
# MinJobAge=3600 keeps finished jobs visible to `squeue --states=all` and `scontrol show job` for
# an hour. See docs/hpc.md ("Testing with a throw-away cluster").
#
# `start` records what it started in $STATE_DIR/daemons (name pid); `stop` stops exactly those
# PIDs (after checking that each PID still runs the same program) and nothing else. `start` after
# `stop` works: the controller state (/var/spool/slurmctld) is wiped on every start.
#
# Environment: SLURM_CI_STATE_DIR (default /run/emobatch-slurm-ci),
#              SLURM_CI_START_TIMEOUT (seconds to wait for `sinfo` to report the node idle, 60).
set -euo pipefail

STATE_DIR=${SLURM_CI_STATE_DIR:-/run/emobatch-slurm-ci}
DAEMONS=$STATE_DIR/daemons
CONF=/etc/slurm/slurm.conf
MARK="# written by emobatch ci/slurm/cluster.sh"
PACKAGES=(slurmctld slurmd slurm-client munge)
START_TIMEOUT=${SLURM_CI_START_TIMEOUT:-60}

log() { printf '[slurm-ci] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (installs packages, starts slurmd)"
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# pid_of_file FILE -> prints the pid in FILE if that process is alive
pid_of_file() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(tr -dc '0-9' <"$1")
  alive "$pid" && echo "$pid"
}

install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} by hand"
  log "installing ${missing[*]}"
  # keep the maintainer scripts from starting half-configured services
  local created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  # An empty or stale package index makes the install fail; refresh it once.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}" >/dev/null; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
  [ "$created_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

write_config() {
  if [ -e "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
    die "$CONF exists and was not written by this script; refusing to overwrite it"
  fi
  getent hosts localhost >/dev/null || die "'localhost' does not resolve (check /etc/hosts)"
  local cpus mem
  cpus=$(nproc)
  # slurmd -C prints the hardware it sees: "... RealMemory=24105 ..."; offer 90 % of it.
  mem=$(/usr/sbin/slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -n1)
  [ -n "$mem" ] || mem=$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo)
  mem=$((mem * 9 / 10))
  mkdir -p /etc/slurm
  cat >"$CONF" <<EOF
$MARK ($(date -u +%FT%TZ)); do not edit, it is rewritten on every start.
ClusterName=ci
SlurmctldHost=localhost
SlurmUser=slurm
AuthType=auth/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmdParameters=config_overrides
MpiDefault=none
ReturnToService=2
MinJobAge=3600
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
# a second, non-default partition, so that choosing a partition can be tested
PartitionName=batch Nodes=localhost Default=NO MaxTime=INFINITE State=UP
EOF
  chmod 644 "$CONF"
  log "wrote $CONF (CPUs=$cpus RealMemory=$mem MB)"
}

# comm_matches PID NAME: the PID still runs the program we started (guards against PID reuse)
comm_matches() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }

on_start_failure() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ -s "$DAEMONS" ]; then
    log "start failed; stopping the daemons it started"
    stop || true
  fi
  exit "$rc"
}

record() { echo "$1 $2" >>"$DAEMONS"; }

start() {
  need_root
  local pid f
  if [ -s "$DAEMONS" ]; then
    local name all=1 none=1
    while read -r name pid; do
      if alive "$pid" && comm_matches "$pid" "$name"; then none=0; else all=0; fi
    done <"$DAEMONS"
    if [ "$all" -eq 1 ] && sinfo -h -o %T 2>/dev/null | grep -q idle; then
      log "already running (started earlier by this script)"
      return 0
    elif [ "$none" -eq 1 ]; then
      log "forgetting the daemons of an earlier start; none of them runs any more"
      rm -f "$DAEMONS"
    else
      die "some daemons of an earlier start still run ($(tr '\n' ' ' <"$DAEMONS")); run '$0 stop' first"
    fi
  fi
  for f in /run/slurmctld.pid /run/slurmd.pid; do
    pid=$(pid_of_file "$f") && die "$(basename "$f" .pid) is already running (pid $pid), not started by this script"
  done
  # from here on, a failed start stops whatever it had started
  trap on_start_failure EXIT
  install_packages
  mkdir -p "$STATE_DIR" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
  : >"$DAEMONS"
  # clean slate: no jobs or node state from an earlier run
  rm -rf /var/spool/slurmctld/* /var/spool/slurmd/*
  chown slurm:slurm /var/spool/slurmctld /var/log/slurm
  chown munge:munge /run/munge
  write_config

  # munged: reuse one that is already running (e.g. a site's own); start it otherwise
  if pid=$(pid_of_file /run/munge/munged.pid); then
    log "munged already running (pid $pid); using it, will not stop it"
  else
    [ -s /etc/munge/munge.key ] || runuser -u munge -- /usr/sbin/mungekey --create
    runuser -u munge -- /usr/sbin/munged
    pid=$(pid_of_file /run/munge/munged.pid) || die "munged did not start"
    record munged "$pid"
  fi
  munge -n | unmunge >/dev/null || die "munge round trip failed"

  /usr/sbin/slurmctld || die "slurmctld did not start; see /var/log/slurm/slurmctld.log"
  for _ in $(seq 50); do pid=$(pid_of_file /run/slurmctld.pid) && break; sleep 0.2; done
  if [ -z "${pid:-}" ] || ! alive "$pid"; then
    die "slurmctld did not start; see /var/log/slurm/slurmctld.log"
  fi
  record slurmctld "$pid"

  /usr/sbin/slurmd -N localhost || die "slurmd did not start; see /var/log/slurm/slurmd.log"
  pid=""
  for _ in $(seq 50); do pid=$(pid_of_file /run/slurmd.pid) && break; sleep 0.2; done
  [ -n "$pid" ] || die "slurmd did not start; see /var/log/slurm/slurmd.log"
  record slurmd "$pid"

  local deadline=$((SECONDS + START_TIMEOUT)) state=""
  while [ $SECONDS -lt $deadline ]; do
    state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.5
  done
  if [ "$state" != idle ]; then
    log "node state after ${START_TIMEOUT}s: '${state}'"
    tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
    die "the node did not become idle"
  fi
  trap - EXIT
  log "cluster up: $(sinfo -h -o '%P %a %D %T %N' | tr '\n' ' ')(daemons: $(tr '\n' ' ' <"$DAEMONS"))"
}

stop() {
  need_root
  if [ ! -s "$DAEMONS" ]; then
    log "nothing to stop ($DAEMONS is missing or empty)"
    rm -f "$DAEMONS"
    return 0
  fi
  # cancel what is left in this private cluster, so no job step outlives slurmd
  if grep -q '^slurmctld ' "$DAEMONS" && command -v squeue >/dev/null; then
    local jobs
    jobs=$(timeout 10 squeue -h -t PENDING,RUNNING,SUSPENDED,CONFIGURING,COMPLETING -o %i \
      2>/dev/null || true)
    if [ -n "$jobs" ]; then
      log "cancelling leftover jobs: $(echo "$jobs" | tr '\n' ' ')"
      # shellcheck disable=SC2086
      timeout 10 scancel $jobs 2>/dev/null || true
      sleep 2
    fi
  fi
  # reverse start order: slurmd, slurmctld, munged
  local name pid waited
  tac "$DAEMONS" | while read -r name pid; do
    if ! alive "$pid" || ! comm_matches "$pid" "$name"; then
      log "$name (pid $pid) is not running"
      continue
    fi
    kill -TERM "$pid" 2>/dev/null || true
    waited=0
    while alive "$pid" && [ $waited -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
    if alive "$pid"; then
      log "$name (pid $pid) ignored SIGTERM for 30 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while alive "$pid"; do sleep 0.1; done
    fi
    log "stopped $name (pid $pid)"
  done
  rm -f "$DAEMONS"
}

status() {
  if [ -s "$DAEMONS" ]; then
    local name pid
    while read -r name pid; do
      if alive "$pid"; then echo "$name $pid running"; else echo "$name $pid gone"; fi
    done <"$DAEMONS"
    sinfo 2>/dev/null || true
  else
    echo "not started by this script"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
