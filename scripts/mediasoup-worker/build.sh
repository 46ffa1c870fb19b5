#!/usr/bin/env bash
# Builds mediasoup's C++ worker (mediasoup-worker) OFFLINE, from the npm
# tarball's own worker/ sources, against Debian packages plus a static OpenSSL
# built from Debian's openssl source package. Cached. See README.md.
#
#   scripts/mediasoup-worker/build.sh               build if needed; print the path
#   scripts/mediasoup-worker/build.sh --print-path  same, but silent on a cache hit
#
# stdout carries only the binary's path (last line); progress goes to stderr:
#   export MEDIASOUP_WORKER_BIN="$(bash scripts/mediasoup-worker/build.sh --print-path)"
#
# Environment:
#   CONSULTA_CACHE_DIR       cache root (default: $HOME/.cache/consulta)
#   CONSULTA_BUILD_JOBS      parallel compile jobs (default: 2)
#   CONSULTA_KEEP_BUILD_DIR  1 = keep the temporary build tree (for debugging)
set -euo pipefail

MEDIASOUP_VERSION="3.27.1"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_ROOT="${CONSULTA_CACHE_DIR:-${HOME:-/root}/.cache/consulta}"
JOBS="${CONSULTA_BUILD_JOBS:-2}"
APT_PACKAGES=(
	# meson 1.0.1 in bookworm (1.7 in bookworm-backports if enabled); see
	# relax_meson_version below.
	meson ninja-build gcc g++ make perl pkg-config
	# The worker's dependencies, replacing mediasoup's meson wraps.
	libuv1-dev libsrtp2-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler
)

PRINT_PATH=0
case "${1:-}" in
	"") ;;
	--print-path) PRINT_PATH=1 ;;
	-h | --help)
		sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "usage: $0 [--print-path]" >&2
		exit 2
		;;
esac

log() { echo "[mediasoup-worker] $*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# Cache key: mediasoup version + hash of the build inputs in this folder
# (build.sh and subprojects/, paths and contents). README.md and the manual
# check script are not inputs, so editing them does not force a rebuild.
files_hash() {
	(
		cd "$HERE"
		find build.sh subprojects -type f -print0 | LC_ALL=C sort -z |
			xargs -0 sha256sum
	) | sha256sum | cut -c1-12
}
KEY="${MEDIASOUP_VERSION}-$(files_hash)"
WORKER_CACHE="$CACHE_ROOT/mediasoup-worker"
OUT_DIR="$WORKER_CACHE/$KEY"
BIN="$OUT_DIR/mediasoup-worker"

if [[ -x "$BIN" ]]; then
	[[ $PRINT_PATH == 1 ]] || log "cache hit: $BIN"
	echo "$BIN"
	exit 0
fi

mkdir -p "$WORKER_CACHE"
# One build at a time per cache (parallel test runs, several shells).
exec 9>"$WORKER_CACHE/.lock"
if ! flock -n 9; then
	log "another build holds $WORKER_CACHE/.lock; waiting for it"
	flock 9
fi
if [[ -x "$BIN" ]]; then
	log "cache hit (built by a concurrent run): $BIN"
	echo "$BIN"
	exit 0
fi

mkdir -p "$OUT_DIR"
LOG="$OUT_DIR/build.log"
: >"$LOG"
T_START=$SECONDS
STEP_START=$SECONDS
WORK="$(mktemp -d "${TMPDIR:-/tmp}/consulta-mediasoup-worker.XXXXXX")"

cleanup() {
	local rc=$?
	if [[ ${CONSULTA_KEEP_BUILD_DIR:-0} == 1 ]]; then
		log "build tree kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	if [[ $rc != 0 ]]; then
		log "FAILED (exit $rc) after $((SECONDS - T_START))s. Last lines of $LOG:"
		tail -n 60 "$LOG" | sed 's/^/    /' >&2 || true
		log "full log: $LOG"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() {
	STEP_START=$SECONDS
	log "$*"
	printf '\n===== %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$LOG"
}
step_done() { log "  done in $((SECONDS - STEP_START))s${1:+: $1}"; }
# Runs a command with all its output in the log.
run() {
	printf '+ %s\n' "$*" >>"$LOG"
	"$@" >>"$LOG" 2>&1
}

SUDO=()
if [[ $(id -u) != 0 ]]; then
	command -v sudo >/dev/null || die "not root and no sudo: install as root: apt-get install -y ${APT_PACKAGES[*]}"
	SUDO=(sudo -n)
fi

APT_UPDATED=0
apt_update() {
	if [[ $APT_UPDATED == 0 ]]; then
		run "${SUDO[@]}" apt-get update
		APT_UPDATED=1
	fi
}

# ---------------------------------------------------------------- packages
step "checking Debian packages: ${APT_PACKAGES[*]}"
missing=()
for p in "${APT_PACKAGES[@]}"; do
	if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
		missing+=("$p")
	fi
done
if ((${#missing[@]})); then
	log "  installing: ${missing[*]}"
	apt_update
	run "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
command -v npm >/dev/null || die "npm not found (Node.js is required)"
step_done

# ----------------------------------------------------------------- openssl
# Debian's libssl3 crashed (SIGSEGV in SSL_read) during DTLS with Chromium;
# the same worker linked against OpenSSL built from the upstream tarball did
# not. So: the upstream tarball shipped in Debian's source package (the
# .orig.tar.gz; Debian's patches are not applied), built static.
OPENSSL_CONFIGURE_FLAGS=(no-shared no-module no-tests)
case "$(dpkg --print-architecture)" in
	amd64) OPENSSL_TARGET=linux-x86_64 ;;
	arm64) OPENSSL_TARGET=linux-aarch64 ;;
	*) OPENSSL_TARGET="" ;; # let ./Configure guess
esac

add_deb_src() {
	# Mirror every active Debian "deb" source as "deb-src", in a file of our own.
	local out822=/etc/apt/sources.list.d/consulta-deb-src.sources
	local outlist=/etc/apt/sources.list.d/consulta-deb-src.list
	local f tmp822 tmplist
	tmp822="$(mktemp)"
	tmplist="$(mktemp)"
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -e $f && $f != "$out822" ]] || continue
		awk '
			function flush() {
				if (st != "" && types ~ /(^|[ \t])deb([ \t]|$)/ && uris ~ /debian/ && enabled !~ /no/) {
					printf "%s", st; print ""
				}
				st = ""; types = ""; uris = ""; enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^Types:/ { types = $0; sub(/^Types:/, "", types); st = st "Types: deb-src\n"; next }
			/^URIs:/ { uris = $0 }
			/^Enabled:/ { enabled = tolower($0) }
			{ st = st $0 "\n" }
			END { flush() }
		' "$f" >>"$tmp822"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -e $f && $f != "$outlist" ]] || continue
		grep -E '^[[:space:]]*deb[[:space:]]' "$f" | grep debian |
			sed -E 's/^[[:space:]]*deb[[:space:]]/deb-src /' >>"$tmplist" || true
	done
	[[ -s $tmp822 || -s $tmplist ]] || die "no Debian apt source found to derive a deb-src entry from"
	if [[ -s $tmp822 ]]; then
		{
			echo "# Added by consulta scripts/mediasoup-worker/build.sh (apt-get source openssl)."
			cat "$tmp822"
		} | "${SUDO[@]}" tee "$out822" >/dev/null
		log "  wrote $out822"
	fi
	if [[ -s $tmplist ]]; then
		{
			echo "# Added by consulta scripts/mediasoup-worker/build.sh (apt-get source openssl)."
			sort -u "$tmplist"
		} | "${SUDO[@]}" tee "$outlist" >/dev/null
		log "  wrote $outlist"
	fi
	rm -f "$tmp822" "$tmplist"
	APT_UPDATED=0
	apt_update
}

# Upstream version (no epoch, no Debian revision) of the candidate libssl3.
ssl_candidate="$(apt-cache policy libssl3 2>/dev/null | awk '/Candidate:/ {print $2}')"
[[ -n $ssl_candidate && $ssl_candidate != "(none)" ]] || {
	apt_update
	ssl_candidate="$(apt-cache policy libssl3 | awk '/Candidate:/ {print $2}')"
}
openssl_upstream() { local v="${1#*:}"; echo "${v%%-*}"; }
OPENSSL_FLAGS_HASH="$(printf '%s\n' "$OPENSSL_TARGET" "${OPENSSL_CONFIGURE_FLAGS[@]}" | sha256sum | cut -c1-8)"
openssl_dir_for() { echo "$CACHE_ROOT/openssl-static/$1-$OPENSSL_FLAGS_HASH"; }

OPENSSL_DIR=""
if [[ -n $ssl_candidate && -f "$(openssl_dir_for "$(openssl_upstream "$ssl_candidate")")/.complete" ]]; then
	OPENSSL_DIR="$(openssl_dir_for "$(openssl_upstream "$ssl_candidate")")"
	log "static OpenSSL: cache hit $OPENSSL_DIR"
else
	step "fetching OpenSSL source (apt-get source openssl, candidate $ssl_candidate)"
	if [[ -z "$(apt-cache showsrc openssl 2>/dev/null | grep '^Version:' || true)" ]]; then
		log "  no deb-src entry for openssl: adding one"
		add_deb_src
	fi
	mapfile -t src_versions < <(apt-cache showsrc openssl | awk '/^Version:/ {print $2}' | sort -urV)
	((${#src_versions[@]})) || die "apt-cache showsrc openssl found nothing even with deb-src"
	# Candidate first, then the others, newest first. Only the upstream
	# .orig.tar.gz is needed, so a missing .dsc/.debian.tar.xz (seen on a
	# lagging security mirror) is not fatal.
	ordered=()
	for v in "$ssl_candidate" "${src_versions[@]}"; do
		if [[ " ${src_versions[*]} " == *" $v "* && " ${ordered[*]-} " != *" $v "* ]]; then
			ordered+=("$v")
		fi
	done
	mkdir -p "$WORK/openssl-src"
	orig=""
	for v in "${ordered[@]}"; do
		up="$(openssl_upstream "$v")"
		(cd "$WORK/openssl-src" && run apt-get source --download-only "openssl=$v") || true
		if [[ -s "$WORK/openssl-src/openssl_${up}.orig.tar.gz" ]]; then
			orig="$WORK/openssl-src/openssl_${up}.orig.tar.gz"
			OPENSSL_VERSION="$up"
			break
		fi
		log "  openssl=$v: upstream tarball not fetched, trying the next version"
	done
	[[ -n $orig ]] || die "could not fetch openssl_*.orig.tar.gz via apt-get source"
	step_done "$(basename "$orig")"

	OPENSSL_DIR="$(openssl_dir_for "$OPENSSL_VERSION")"
	if [[ -f "$OPENSSL_DIR/.complete" ]]; then
		log "static OpenSSL: cache hit $OPENSSL_DIR"
	else
		step "building static OpenSSL $OPENSSL_VERSION (${OPENSSL_TARGET:-auto} ${OPENSSL_CONFIGURE_FLAGS[*]}, -j$JOBS)"
		run tar -xzf "$orig" -C "$WORK/openssl-src"
		osrc="$WORK/openssl-src/openssl-$OPENSSL_VERSION"
		[[ -d $osrc ]] || die "unexpected layout of $(basename "$orig")"
		(
			cd "$osrc"
			if [[ -n $OPENSSL_TARGET ]]; then
				run nice ./Configure "$OPENSSL_TARGET" "${OPENSSL_CONFIGURE_FLAGS[@]}"
			else
				run nice ./config "${OPENSSL_CONFIGURE_FLAGS[@]}"
			fi
			run nice make -j"$JOBS" build_libs
		)
		rm -rf "$OPENSSL_DIR.tmp"
		mkdir -p "$OPENSSL_DIR.tmp/include" "$OPENSSL_DIR.tmp/lib"
		cp -r "$osrc/include/openssl" "$OPENSSL_DIR.tmp/include/"
		cp "$osrc/libssl.a" "$osrc/libcrypto.a" "$OPENSSL_DIR.tmp/lib/"
		printf 'openssl %s from %s\nflags: %s %s\n' "$OPENSSL_VERSION" "$(basename "$orig")" \
			"$OPENSSL_TARGET" "${OPENSSL_CONFIGURE_FLAGS[*]}" >"$OPENSSL_DIR.tmp/BUILD-INFO"
		touch "$OPENSSL_DIR.tmp/.complete"
		rm -rf "$OPENSSL_DIR"
		mv "$OPENSSL_DIR.tmp" "$OPENSSL_DIR"
		step_done "$OPENSSL_DIR"
	fi
fi

# --------------------------------------------------------------- mediasoup
step "fetching mediasoup@$MEDIASOUP_VERSION sources (npm pack)"
mkdir -p "$WORK/npm"
(cd "$WORK/npm" && run npm pack --silent "mediasoup@$MEDIASOUP_VERSION")
run tar -xzf "$WORK/npm/mediasoup-$MEDIASOUP_VERSION.tgz" -C "$WORK/npm"
SRC="$WORK/npm/package/worker"
[[ -f $SRC/meson.build ]] || die "mediasoup tarball has no worker/meson.build"
step_done

step "preparing the worker tree (local subprojects, compat headers)"
# Drop every wrap (nothing may be downloaded) and put ours in place.
rm -rf "$SRC/subprojects"
mkdir -p "$SRC/subprojects"
cp -r "$HERE/subprojects/." "$SRC/subprojects/"
mkdir -p "$SRC/subprojects/openssl/include" "$SRC/subprojects/openssl/lib"
cp -r "$OPENSSL_DIR/include/openssl" "$SRC/subprojects/openssl/include/"
cp "$OPENSSL_DIR/lib/libssl.a" "$OPENSSL_DIR/lib/libcrypto.a" "$SRC/subprojects/openssl/lib/"

meson_have="$(meson --version)"
meson_need="$(sed -nE "s/.*meson_version *: *'>= *([0-9.]+)'.*/\1/p" "$SRC/meson.build" | head -n1)"
if [[ -n $meson_need ]] && ! dpkg --compare-versions "$meson_have" ge "$meson_need"; then
	# bookworm ships meson 1.0.1; mediasoup asks for >= 1.1.0 but builds with
	# 1.0.1 (checked for 3.27.1). Relax the requirement to the installed one.
	sed -i -E "s/(meson_version *: *')>= *[0-9.]+'/\1>= $meson_have'/" "$SRC/meson.build"
	log "  meson $meson_have < $meson_need: relaxed meson_version in meson.build"
fi
step_done

step "configuring (meson $meson_have, release)"
run nice meson setup "$WORK/build" "$SRC" \
	--buildtype release -Db_ndebug=true \
	--wrap-mode nodownload \
	-Dms_build_tests=false -Dms_build_fuzzer=false
step_done

# deps/libwebrtc includes the flatc-generated headers (through Logger.hpp) but
# its target does not depend on the generator, so with -j2 a libwebrtc object
# can be compiled before the headers exist ("transport.h: No such file").
# Generate them first.
step "generating the flatbuffers headers (flatc)"
run nice meson compile -C "$WORK/build" flatbuffers-generator
step_done

step "compiling mediasoup-worker (ninja -j$JOBS; ~13 min on 2 cores)"
run nice ninja -C "$WORK/build" -j"$JOBS" mediasoup-worker
step_done

step "checking and installing the binary"
built="$WORK/build/mediasoup-worker"
[[ -x $built ]] || die "ninja finished but $built is missing"
ldd_out="$(ldd "$built")"
printf '%s\n' "$ldd_out" >>"$LOG"
if grep -qE 'lib(ssl|crypto)\.so' <<<"$ldd_out"; then
	die "the worker links a shared libssl/libcrypto; OpenSSL must be static"
fi
if grep -q 'not found' <<<"$ldd_out"; then
	die "unresolved shared libraries: $(grep 'not found' <<<"$ldd_out" | tr -s ' \t\n' ' ')"
fi
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'; }
{
	echo "mediasoup $MEDIASOUP_VERSION worker, built $(date -u +%FT%TZ) by scripts/mediasoup-worker/build.sh (key $KEY)"
	echo "openssl: $(head -n1 "$OPENSSL_DIR/BUILD-INFO") (static)"
	echo "libsrtp2-dev $(pkgver libsrtp2-dev), libuv1-dev $(pkgver libuv1-dev), libabsl-dev $(pkgver libabsl-dev)," \
		"libflatbuffers-dev $(pkgver libflatbuffers-dev), meson $meson_have, g++ $(pkgver g++)"
	echo "shared libraries:"
	printf '%s\n' "$ldd_out"
} >"$OUT_DIR/BUILD-INFO"
cp "$built" "$OUT_DIR/mediasoup-worker.tmp"
mv "$OUT_DIR/mediasoup-worker.tmp" "$BIN"
step_done "$(du -h "$BIN" | cut -f1)"

log "built in $((SECONDS - T_START))s: $BIN"
echo "$BIN"
