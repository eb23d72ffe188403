# shellcheck shell=bash disable=SC2154
# The command of the Pod's guest-shutdown container (launcher image, bash,
# virsh on the launcher's libvirt), compiled into the converter by
# embed_text.py: everything from the first line that is not a comment is the
# script; the converter puts "domain=<namespace>_<name>" before it.
#
# What virt-handler does when a VMI's pod is deleted, which nobody does in
# standalone mode: on SIGTERM virt-launcher only marks the domain for a
# graceful shutdown and waits for virt-handler to ask for one
# (SignalShutdownVMI: virDomainShutdownFlags with the default flags, ACPI
# power button or the guest agent), then destroys the domain after its grace
# period. Stopping the Pod sends SIGTERM to every container, so this one asks
# libvirt for the same shutdown, again every 5 s while the domain runs (a
# guest still booting may miss the first), and exits once the domain is gone;
# the compute container exits when QEMU does.
#
# It also ends by itself once the launcher is gone (libvirt stops answering
# after it answered), so that the Pod ends with its VM and a systemd unit sees
# it; its status is the VMI's phase as KubeVirt tells it: 0 (Succeeded) when
# the guest shut itself down, 1 (Failed) when the domain last was anything
# else (QEMU crashed or was killed).
shutdown_guest() {
  i=0
  while state=$(virsh -q domstate "$domain" 2>/dev/null) && [ "$state" != "shut off" ]; do
    if [ $((i % 5)) = 0 ]; then
      echo "guest-shutdown: $domain is $state: asking it to shut down, as virt-handler does"
      virsh -q shutdown "$domain" >/dev/null
    fi
    i=$((i + 1)); sleep 1
  done
  echo "guest-shutdown: $domain is gone"
  exit 0
}
trap shutdown_guest TERM INT
up='' last='never started' gone=0
while :; do
  if now=$(virsh -q domstate --reason "$domain" 2>/dev/null); then up=1 last=$now gone=0
  elif virsh -q version >/dev/null 2>&1; then up=1 gone=0
  elif [ -n "$up" ] && [ $((gone += 1)) -ge 3 ]; then
    case $last in
    'shut off (shutdown)') echo "guest-shutdown: the guest shut down: $domain succeeded"; exit 0 ;;
    *) echo "guest-shutdown: the launcher is gone, $domain was $last: failed"; exit 1 ;;
    esac
  fi
  sleep 1 & wait $!
done
