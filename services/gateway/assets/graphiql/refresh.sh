#!/bin/sh
# Refreshes the GraphiQL page's assets from the npm registry; the gateway compiles them in
# (services/gateway/src/graphiql.rs), so the page works on an intranet with no internet.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent graphiql@3.8.3 react@18.3.1 react-dom@18.3.1 >/dev/null &&
  for f in *.tgz; do mkdir "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done)
gzip -9n -c "$tmp"/graphiql-3.8.3/package/graphiql.min.js > graphiql.min.js.gz
gzip -9n -c "$tmp"/graphiql-3.8.3/package/graphiql.min.css > graphiql.min.css.gz
gzip -9n -c "$tmp"/react-18.3.1/package/umd/react.production.min.js > react.production.min.js.gz
gzip -9n -c "$tmp"/react-dom-18.3.1/package/umd/react-dom.production.min.js > react-dom.production.min.js.gz
sha256sum ./*.gz > SHA256SUMS
