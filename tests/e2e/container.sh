#!/usr/bin/env bash
# The container check: build the Dockerfile's image and run the real-process e2e suite
# against it, the bot started as `podman run ... IMAGE` (tests/e2e/botproc.py, E2E_BOT_IMAGE).
#
#   bash tests/e2e/container.sh            # from the repository, with the test venv active
#
# No registry of images is needed: the base is a Debian bookworm made here with debootstrap
# from Debian's packages (python3 3.11 and venv only), imported into podman and kept for the
# week; the image is the project's Dockerfile built on it (`--build-arg BASE=...`). What it
# needs (podman, runc, debootstrap) is installed with apt-get when missing.
#
# Where containers can't be run at all (no root, the packages or the Debian mirror can't be
# had, a container won't start), it says so in one line beginning "container check: SKIPPED"
# with the reason, and exits 0. A Dockerfile that doesn't build, or a failing test, fails.
#
# Environment: E2E_CONTAINER=skip skips it; E2E_CONTAINER_TESTS (default: the journeys that
# start, kill and restart the bot and use what ships in it; see TESTS below) chooses what
# pytest runs against the image; PYTHON (default python) runs pytest.
set -euo pipefail
cd "$(dirname "$0")/../.."

SUITE=bookworm
STATE=/var/tmp/bpd-peer-bot-ci  # kept between runs: the base's lock and its logs
# A new base each week (ISO week, UTC): fresh enough for a test base, and most CI runs on a
# machine find it made, so they build only the project's layers (or nothing) on it.
BASE="localhost/bpd-peer-bot-base:$SUITE-$(date -u +%G-w%V)"
# Two checks may run at once on one machine, sharing podman's store (CI and a person, two
# CI jobs). Each run has its own tag, files and container names, and removes only what is
# its own, so one run can never take the image from under another. The tag carries its
# time, so a run that was killed before it could tidy up is tidied by a later one.
RUN="$(date -u +%s)-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
IMAGE="localhost/bpd-peer-bot:e2e-$RUN"
LABEL=bpd-peer-bot-e2e  # =RUN, on every container the suite starts (tests/e2e/botproc.py)
STALE_AFTER=$(( 2 * 3600 ))  # seconds: a whole check takes minutes, so older is left over
export E2E_RUN="$RUN"
# What differs in the image is packaging (the code and its data files, the entry point, the
# /data volume, the user it runs as), so the journeys that start, stop, kill and restart it,
# reach it over HTTP, and use what ships with it (the crisis models, the content, the CLI)
# run against it; the flows' other journeys run as processes in the suite itself. Set
# E2E_CONTAINER_TESTS=tests/e2e for them all (about four minutes more).
TESTS=${E2E_CONTAINER_TESTS:-tests/e2e/test_startup.py tests/e2e/test_restarts.py \
tests/e2e/test_webhook_and_polling.py tests/e2e/test_home_and_safety.py \
tests/e2e/test_people.py tests/e2e/test_report.py tests/e2e/test_at_rest.py}
PYTHON=${PYTHON:-python}

say() { echo "container check: $*"; }
skip() { say "SKIPPED: $*"; exit 0; }
elapsed() { echo "$(( SECONDS - $1 )) s"; }
tail_of() { echo "--- last lines of $1 ---"; tail -n "${2:-25}" "$1"; echo "---"; }

[ "${E2E_CONTAINER:-}" = skip ] && skip "E2E_CONTAINER=skip"
[ "$(id -u)" = 0 ] || skip "not root: podman, runc and debootstrap can't be installed, no base made"

start=$SECONDS
mkdir -p "$STATE"
WORK=$(mktemp -d "$STATE/run.XXXXXX")  # this run's containers.conf, build log and image id
missing=()
command -v podman >/dev/null || missing+=(podman)
[ -x /usr/sbin/runc ] || missing+=(runc)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || skip "${missing[*]} missing and no apt-get to install them"
    say "installing ${missing[*]} (apt-get)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            "${missing[@]}"; } >"$WORK/apt.log" 2>&1; then
        tail_of "$WORK/apt.log"
        skip "apt-get could not install ${missing[*]} (log above)"
    fi
    say "installed in $(elapsed "$start")"
fi

# This machine's quirks, in a containers.conf of our own (the system's is left alone): runc,
# since crun can't set up cgroups here, and explicit ulimits, since the defaults (the
# host's hard limits) are refused with "setrlimit: Operation not permitted".
export CONTAINERS_CONF="$WORK/containers.conf"
cat >"$CONTAINERS_CONF" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
EOF

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {  # this run's own: the containers its suite left (one failed half-way), its tag
    local left
    left=$(podman ps -aq --filter "label=$LABEL=$RUN" 2>/dev/null || true)
    if [ -n "$left" ]; then
        # shellcheck disable=SC2086
        podman rm -f -t 0 $left >/dev/null 2>&1 || true
    fi
    # Without -f: only the tag goes while another run's container still uses the image.
    podman rmi "$IMAGE" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# What runs killed before they could tidy up left (best effort): containers of our label
# and our e2e tags, older than STALE_AFTER by the time they were made.
tidy_leftovers() {
    local now id made tag
    now=$(date -u +%s)
    podman ps -a --filter "label=$LABEL" --format '{{.ID}} {{.Created.Unix}}' 2>/dev/null \
        | while read -r id made; do
            [ $(( now - made )) -gt "$STALE_AFTER" ] && podman rm -f -t 0 "$id" >/dev/null 2>&1
            true
        done
    podman images --format '{{.Repository}}:{{.Tag}}' localhost/bpd-peer-bot 2>/dev/null \
        | while read -r tag; do
            made=${tag##*:e2e-}; made=${made%%-*}
            [[ "$made" =~ ^[0-9]+$ ]] || continue
            [ $(( now - made )) -gt "$STALE_AFTER" ] && podman rmi "$tag" >/dev/null 2>&1
            true
        done
}

# The Debian mirror this machine's apt uses for SUITE (deb822 or one-line sources), if any;
# without one debootstrap uses its own default.
debian_mirror() {
    local found=""
    if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
        found=$(awk -v s="$SUITE" 'BEGIN { RS = "" } {
            u = ""; ok = 0; n = split($0, line, "\n")
            for (i = 1; i <= n; i++) {
                if (line[i] ~ /^URIs:/) { split(line[i], f, " "); u = f[2] }
                if (line[i] ~ /^Suites:/) {
                    m = split(line[i], f, " "); for (j = 2; j <= m; j++) if (f[j] == s) ok = 1
                }
            }
            if (ok && u != "") { print u; exit }
        }' /etc/apt/sources.list.d/*.sources)
    fi
    if [ -z "$found" ] && [ -f /etc/apt/sources.list ]; then
        found=$(awk -v s="$SUITE" '$1 == "deb" {
            k = 2; if ($k ~ /^\[/) { while ($k !~ /\]$/) k++; k++ }
            if ($(k + 1) == s) { print $k; exit }
        }' /etc/apt/sources.list)
    fi
    echo "$found"
}

# The base: Debian's minbase with python3 and python3-venv, made once a week. It trusts what
# this machine trusts (its CA bundle, which pip is told to use: a TLS-inspecting proxy's CA
# may be in it), so pip in the image build reaches the package index as the host's pip does.
make_base() {
    local root="$STATE/rootfs.$$" mirror
    mirror=$(debian_mirror)
    rm -rf --one-file-system "$root"
    say "making the base $BASE (debootstrap --variant=minbase $SUITE)"
    # In two stages, so dpkg can be told not to fsync each file (a throwaway tree: a fifth
    # less time); the first downloads and unpacks, the second configures in a chroot.
    # shellcheck disable=SC2086  # no mirror: no argument
    if ! { debootstrap --foreign --variant=minbase --include=python3-venv "$SUITE" "$root" \
               $mirror && echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/unsafe-io" \
           && chroot "$root" /debootstrap/debootstrap --second-stage; } \
            >"$STATE/debootstrap.log" 2>&1; then
        rm -rf --one-file-system "$root"
        tail_of "$STATE/debootstrap.log"
        skip "debootstrap could not make a Debian $SUITE base from Debian's packages (log above)"
    fi
    rm -rf "$root"/etc/dpkg/dpkg.cfg.d/unsafe-io "$root"/var/cache/apt/archives/*.deb \
        "$root"/var/lib/apt/lists/* "$root"/usr/share/{doc,man,locale,info}
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
        cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
        printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$root/etc/pip.conf"
    fi
    if ! tar -C "$root" -c . | podman import --change 'ENV LANG=C.UTF-8' \
            --change 'CMD ["/bin/bash"]' - "$BASE" >"$STATE/import.log" 2>&1; then
        rm -rf --one-file-system "$root"
        tail_of "$STATE/import.log" 10
        skip "podman could not import the base (output above)"
    fi
    rm -rf --one-file-system "$root"
}

step=$SECONDS
exec 9>"$STATE/base.lock"
flock 9  # another run making this week's base at the same moment: wait for it
if podman image exists "$BASE"; then
    say "base $BASE: made earlier, reused"
else
    make_base
    say "base made in $(elapsed "$step")"
fi
flock -u 9

# Can a container run here at all? If not, say why and stop (not the project's fault).
if ! podman run --rm --network host "$BASE" python3 -c 'print("ok")' >"$WORK/smoke.log" 2>&1; then
    tail_of "$WORK/smoke.log" 10
    skip "podman can't run a container on this machine (output above)"
fi

tidy_leftovers || true
step=$SECONDS
say "building the image (podman build --build-arg BASE=$BASE)"
if ! podman build --network host --build-arg "BASE=$BASE" --iidfile "$WORK/iid" \
        -t "$IMAGE" . >"$WORK/build.log" 2>&1; then
    tail_of "$WORK/build.log" 40
    say "FAILED: the Dockerfile did not build (log above)"
    exit 1
fi
built=$(cat "$WORK/iid")
say "image built in $(elapsed "$step")"
# Bases of earlier weeks: no longer needed (best effort; one still in use stays).
for stale in $(podman images --format '{{.Repository}}:{{.Tag}}' localhost/bpd-peer-bot-base); do
    [ "$stale" = "$BASE" ] || podman rmi "$stale" >/dev/null 2>&1 || true
done

step=$SECONDS
say "running $TESTS against the image (the bot as podman run)"
status=0
# The image by id: what this run built, whatever happens to tags elsewhere.
# In the background, so a TERM or INT to this script tidies up at once (the traps above).
read -ra tests <<<"$TESTS"
# One process (-n 0): the journeys run one at a time anyway, and container names count up
# within it.
E2E_BOT_IMAGE="$built" "$PYTHON" -m pytest -n 0 "${tests[@]}" --ignore=tests/e2e/test_emulator.py &
wait $! || status=$?
say "e2e against the image took $(elapsed "$step"); the whole check $(elapsed "$start")"
exit "$status"
