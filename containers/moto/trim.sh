#!/bin/sh
# Trim a moto install: trim.sh VENV SERVICE...  Keeps botocore's and boto3's models of SERVICE... only,
# and of moto's service packages only SERVICE... and those they import (MOTO_IMPORTED; smoke.py fails the
# build if one is missing);
# drops pip/setuptools, all bytecode (smoke.py compiles what is used), tests, docs, man pages, locales,
# and the parts of the OS nothing runs here (perl, apt, dpkg's database, gconv). Build stage of moto/Dockerfile only.
set -eu
venv=$1; shift
site=$(echo "$venv"/lib/python3*/site-packages)
for data in "$site/botocore/data" "$site/boto3/data"; do
    for dir in "$data"/*/; do
        name=$(basename "$dir")
        case " $* " in *" $name "*) ;; *) rm -rf "$dir" ;; esac
    done
done
# moto's packages imported while serving SERVICE... besides their own, listed from sys.modules after
# smoke.py's calls, a multipart upload, scans, filters, an ECR token and /moto-api/reset (moto 5.2.1)
MOTO_IMPORTED="core utilities moto_api moto_server s3bucket_path cloudwatch events"
for dir in "$site"/moto/*/; do
    name=$(basename "$dir")
    case " $* $MOTO_IMPORTED __pycache__ " in *" $name "*) ;; *) rm -rf "$dir" ;; esac
done
rm -rf "$site"/pip "$site"/pip-* "$site"/setuptools "$site"/setuptools-* "$site"/_distutils_hack "$site"/distutils-precedence.pth \
    "$site"/pkg_resources \
    "$venv"/bin/pip*
find "$site" -depth -type d \( -name tests -o -name test \) -exec rm -rf {} +
rm -rf /usr/share/doc /usr/share/man /usr/share/info /usr/share/locale /usr/share/lintian /usr/share/python-wheels \
    /var/lib/apt/lists/* /var/cache/* /var/log/* /usr/lib/python3*/ensurepip /usr/lib/python3*/idlelib \
    /usr/lib/python3*/tkinter /usr/lib/python3*/lib2to3 /usr/local/lib/python3*/ensurepip /usr/local/lib/python3*/idlelib \
    /usr/local/lib/python3*/tkinter /usr/local/lib/python3*/lib2to3 2>/dev/null || true
find / -xdev -depth -type d -name __pycache__ -exec rm -rf {} +
rm -rf /usr/lib/x86_64-linux-gnu/gconv /usr/lib/x86_64-linux-gnu/perl-base /usr/lib/x86_64-linux-gnu/perl /usr/share/perl* \
    /usr/bin/perl* /usr/lib/apt /usr/lib/x86_64-linux-gnu/libapt-* /var/lib/dpkg/info /usr/share/zoneinfo/right \
    /usr/share/zoneinfo/posix 2>/dev/null || true
