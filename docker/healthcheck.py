"""The image's HEALTHCHECK: GET /healthz on the local HTTP endpoint; exit 0 only on 200.

Slim images have no curl, and this needs nothing but the standard library (it does not import
the bot, so it costs milliseconds every interval). A 503 raises HTTPError, so it exits 1.
"""

import os
import sys
import urllib.request

port = os.environ.get("BRIEFBOT_HTTP__PORT", "8080")
url = f"http://127.0.0.1:{port}/healthz"
try:
    with urllib.request.urlopen(url, timeout=5) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # 503, refused, timeout: unhealthy, and say why in `docker inspect`
    sys.stderr.write(f"unhealthy: {exc}\n")
    sys.exit(1)
