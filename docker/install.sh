#!/bin/sh
# The image's one install step, and CI's replay of it (.ci/check-docker-recipe): keep a single
# copy so the recipe CI checks is the recipe the image runs.
#   docker/install.sh SOURCE_DIR            -> SOURCE_DIR[telegram,discord,postgres]
#   SEMANTIC=1 docker/install.sh SOURCE_DIR -> adds the semantic extra (embeddings)
set -eu
src="${1:?usage: install.sh SOURCE_DIR}"
extras="telegram,discord,postgres"
if [ "${SEMANTIC:-0}" = "1" ]; then
    extras="$extras,semantic"
fi
python -m pip install --disable-pip-version-check "$src[$extras]"
