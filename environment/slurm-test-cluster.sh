#!/usr/bin/env bash
# Starts (or stops) a private single-node SLURM cluster on loopback for PlmKit's SLURM
# integration test: Debian 12's slurm-wlm 22.05 + munge, as root, no cgroups, no systemd.
#
#   environment/slurm-test-cluster.sh start DIR   # installs slurm-wlm/munge with apt if missing,
#                                                 # writes DIR/slurm.conf, starts munged, slurmctld, slurmd;
#                                                 # prints "SLURM_CONF=DIR/slurm.conf" when the node is idle
#   environment/slurm-test-cluster.sh stop DIR    # cancels its jobs, stops only the daemons it started
#
# Exit codes of start: 0 ready; 3 cannot run here (not root, or apt missing) — the test skips;
# anything else: a real failure (the test fails and shows DIR/*.log).
set -euo pipefail

cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"

stop_pidfile() { # kill the process recorded in a pid file we wrote, if it is still alive
  local f="$1"
  [ -f "$f" ] || return 0
  local pid; pid="$(cat "$f" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

if [ "$cmd" = stop ]; then
  if [ -f "$dir/slurm.conf" ] && [ -f "$dir/slurmctld.pid" ]; then
    SLURM_CONF="$dir/slurm.conf" scancel --quiet --cluster=plmkittest --user=root 2>/dev/null \
      || SLURM_CONF="$dir/slurm.conf" scancel --quiet --user=root 2>/dev/null || true
    sleep 1
  fi
  stop_pidfile "$dir/slurmd.pid"
  stop_pidfile "$dir/slurmctld.pid"
  stop_pidfile "$dir/munged.pid"
  exit 0
fi
[ "$cmd" = start ] || { echo "unknown command $cmd" >&2; exit 2; }

[ "$(id -u)" = 0 ] || { echo "skip: the test cluster runs its daemons as root (uid is $(id -u))"; exit 3; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  command -v apt-get >/dev/null || { echo "skip: slurm-wlm/munge are not installed and apt-get is not available"; exit 3; }
  export DEBIAN_FRONTEND=noninteractive
  # Other processes may hold the dpkg lock for a while (parallel installs): wait for it.
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends slurm-wlm munge >"$dir/apt.log" 2>&1 \
    || { echo "apt-get install slurm-wlm munge failed; see $dir/apt.log" >&2; exit 1; }
fi

free_port() { # a TCP port nobody listens on, from a range away from the usual services
  local p
  for _ in $(seq 200); do
    p=$(( 20000 + RANDOM % 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "no free port found" >&2; exit 1
}

mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
# A private munged on its own socket and key, so a system munged (if any) is left alone.
if [ ! -f "$dir/munge/munge.key" ]; then
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 700 "$dir/munge"; chmod 400 "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/munge.seed"

node="$(hostname -s)"
cpus="$(nproc)"
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
ctld_port="$(free_port)"; slurmd_port="$(free_port)"
while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port="$(free_port)"; done

cat >"$dir/slurm.conf" <<CONF
# Written by environment/slurm-test-cluster.sh: a private single-node test cluster.
ClusterName=plmkittest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=600
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF

export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF" -c   # -c: clean start, no state from an earlier run
slurmd -f "$SLURM_CONF" -N "$node"

for _ in $(seq 120); do
  state="$(sinfo -h -N -o '%T' 2>/dev/null | head -n1 || true)"
  case "$state" in
    idle|mixed|allocated) echo "SLURM_CONF=$SLURM_CONF"; exit 0 ;;
  esac
  sleep 0.5
done
echo "the test node did not become idle in 60 s (state '${state:-none}'); logs in $dir" >&2
exit 1
