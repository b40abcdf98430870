# nginx from Debian for the reverse-proxy test (Tests/Integration/test_nginx.py), which runs its own
# nginx on a loopback port with a configuration built from deploy/nginx/chatroom.conf. Source it
# after common.sh; call ensure_nginx: it installs the `nginx` package when the command is missing
# and exports NGINX_BIN.
#
# The package's maintainer scripts start the system service on port 80 unless invoke-rc.d is told
# not to: when no /usr/sbin/policy-rc.d exists, one that forbids starting services (exit 101) is put
# in place for the installation only. The test never uses the system service, and a port 80 taken
# by something else would otherwise make the package's configuration step fail.

# nginx lives in /usr/sbin, which is not on an ordinary user's PATH.
nginx_binary() {
  command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}

ensure_nginx() {
  local bin; bin=$(nginx_binary)
  if [ -z "$bin" ]; then
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    local policy=/usr/sbin/policy-rc.d status=0
    # In a subshell whose EXIT trap takes the guard away again, even if the install is interrupted.
    (
      if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# put here by scripts/lib/nginx.sh while installing nginx\nexit 101\n' | $sudo tee "$policy" >/dev/null
        trap '$sudo rm -f "$policy"' EXIT
        $sudo chmod 755 "$policy"
      fi
      # Debian 12's `nginx` is the server itself (nginx-light only adds the echo module).
      need_packages nginx
    ) || status=$?
    [ "$status" -eq 0 ] || die "could not install nginx"
    bin=$(nginx_binary)
    [ -n "$bin" ] || die "nginx is not found after installing the Debian package"
  fi
  export NGINX_BIN="$bin"
  say "nginx: $("$bin" -v 2>&1 | head -n 1)"
}
