#!/bin/sh
# Installs the benchmark's anchors from Debian's packages when they are missing:
# wrk, gunicorn, uWSGI (+ python3 plugin), waitress, Apache (+ mod_wsgi),
# lighttpd, nginx, and a C compiler for the fork+exec floor.
#
# nginx: on Debian 12 the package `nginx` is the server itself (nginx-light
# is only `nginx` plus the echo module), so `nginx` is installed.
#
# None of them is left running as a system service: package scripts are kept
# from starting daemons during the install (policy-rc.d), and any service
# that did start is stopped and disabled afterwards. The harness (bench/run.mjs)
# never uses the system instances: it starts its own, with its own config
# files in a temporary directory, on loopback ports, and stops them by pid.
#
# Run as root (or with sudo). Idempotent: does nothing when all is installed.
set -eu

# package name -> a file it installs, to tell whether it is there
PKGS="
wrk:/usr/bin/wrk
gunicorn:/usr/bin/gunicorn
uwsgi-core:/usr/bin/uwsgi-core
uwsgi-plugin-python3:/usr/lib/uwsgi/plugins/python3_plugin.so
python3-waitress:/usr/bin/waitress-serve
apache2:/usr/sbin/apache2
libapache2-mod-wsgi-py3:/usr/lib/apache2/modules/mod_wsgi.so
lighttpd:/usr/sbin/lighttpd
nginx:/usr/sbin/nginx
gcc:/usr/bin/cc
perl:/usr/bin/perl
python3:/usr/bin/python3
"

missing=""
for entry in $PKGS; do
  pkg=${entry%%:*}
  file=${entry#*:}
  if [ ! -e "$file" ]; then
    missing="$missing $pkg"
  fi
done

SUDO=""
if [ "$(id -u)" != 0 ]; then
  SUDO="sudo"
fi

if [ -n "$missing" ]; then
  echo "bench/setup.sh: installing:$missing"
  # Keep package scripts from starting the daemons we install.
  policy_created=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    policy_created=1
  fi
  cleanup() {
    if [ -n "$policy_created" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
  }
  trap cleanup EXIT
  $SUDO apt-get update
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
  cleanup
  trap - EXIT
else
  echo "bench/setup.sh: all anchors already installed"
fi

# Stop and disable any system instance (whether or not we installed it now),
# so that none runs now or after a reboot.
for svc in apache2 apache-htcacheclean lighttpd nginx uwsgi; do
  if [ -e "/etc/init.d/$svc" ] || [ -e "/lib/systemd/system/$svc.service" ]; then
    $SUDO service "$svc" stop >/dev/null 2>&1 || true
    if command -v systemctl >/dev/null 2>&1; then
      if [ -d /run/systemd/system ]; then
        $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
      else
        $SUDO systemctl disable "$svc" >/dev/null 2>&1 || true
      fi
    fi
    if command -v update-rc.d >/dev/null 2>&1; then
      $SUDO update-rc.d "$svc" disable >/dev/null 2>&1 || true
    fi
  fi
done

echo "bench/setup.sh: versions"
wrk -v 2>&1 | head -1 || true
gunicorn --version 2>&1 | head -1 || true
echo "uWSGI $(uwsgi --version 2>/dev/null || uwsgi-core --version)"
/usr/bin/python3 -c 'import waitress, importlib.metadata as m; print("waitress", m.version("waitress"))' 2>/dev/null || true
apache2 -v 2>/dev/null | head -1 || /usr/sbin/apache2 -v | head -1 || true
lighttpd -v 2>&1 | head -1 || /usr/sbin/lighttpd -v 2>&1 | head -1 || true
/usr/sbin/nginx -v 2>&1 | head -1 || true
