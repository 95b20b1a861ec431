#!/usr/bin/env bash
# Starts PulseAudio with a virtual headset for machines without a sound card (CI, servers):
#   sink "headset"        what the app plays to the rep's ear (record headset.monitor to hear it)
#   sink "micfeed"        play a WAV into it and the app hears it on source "mic"
# Both are defaults. A silent keep-alive stream runs into each null sink, because an idle null
# sink renders in ~2 s chunks and new streams would get no callbacks for up to 2 s.
set -euo pipefail
if ! pactl info >/dev/null 2>&1; then
  pulseaudio -D --exit-idle-time=-1 --system=false --disallow-exit --log-target=stderr 2>/dev/null || true
  for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
fi
pactl info >/dev/null
# Rates are pinned to the keep-alive's 48 kHz: a null sink left at the 44.1 kHz default switches
# to 48 kHz when the keep-alive connects, but its monitor (held by the remap source) keeps
# saying 44.1 kHz, so the "mic" delivered audio 8.8 % fast (measured 17,400 samples/s at 16 kHz).
rate_of() { pactl list short "$1" | awk -v n="$2" '$2 == n { for (i = 1; i <= NF; i++) if ($i ~ /Hz$/) print $i }'; }
if [ -n "$(rate_of sinks micfeed)" ] && [ "$(rate_of sinks micfeed)" != "$(rate_of sources micfeed.monitor)" ]; then
  for m in $(pactl list short modules | awk '/source_name=mic |sink_name=micfeed / {print $1}'); do
    pactl unload-module "$m"
  done
  heal_keepalive=1
fi
sinks=$(pactl list short sinks)
if ! grep -q "	headset	" <<<"$sinks"; then
  pactl load-module module-null-sink sink_name=headset rate=48000 \
    sink_properties=device.description=Headset >/dev/null
fi
if ! grep -q "	micfeed	" <<<"$sinks"; then
  pactl load-module module-null-sink sink_name=micfeed rate=48000 \
    sink_properties=device.description=MicFeed >/dev/null
fi
if ! pactl list short sources | grep -q "	mic	"; then
  pactl load-module module-remap-source source_name=mic master=micfeed.monitor rate=48000 \
    source_properties=device.description=HeadsetMic >/dev/null
fi
if [ -n "${heal_keepalive:-}" ]; then  # PulseAudio moved micfeed's keep-alive away: move it back
  pid=$(pgrep -f "pacat.*--device=micfeed .*keepalive" | head -1 || true)
  client=$(pactl list clients | awk -v p="\"$pid\"" '/^Client #/ {c = substr($2, 2)} $1 == "application.process.id" && $3 == p {print c}')
  for si in $(pactl list short sink-inputs | awk -v c="$client" '$3 == c {print $1}'); do
    pactl move-sink-input "$si" micfeed
  done
fi
pactl set-default-sink headset
pactl set-default-source mic
for s in headset micfeed; do
  if ! pgrep -f "pacat.*--device=$s .*keepalive" >/dev/null; then
    # the feeder must not hold the caller's stdout/stderr: `scripts/test.sh | tail` would never end
    (head -c 0 /dev/zero; cat /dev/zero) </dev/null 2>/dev/null | nohup pacat --playback --device="$s" --latency-msec=20 \
      --raw --format=s16le --rate=48000 --channels=1 --client-name=keepalive >/dev/null 2>&1 &
  fi
  pactl suspend-sink "$s" 1; pactl suspend-sink "$s" 0
done
echo "virtual headset ready (sink headset, source mic)"
