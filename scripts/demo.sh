#!/usr/bin/env bash
# Set up (as scripts/setup.sh) and open the teaching demo.
#   bash scripts/demo.sh          the science lesson in JupyterLab
#   bash scripts/demo.sh voila    the same notebook as a Voila app
#   bash scripts/demo.sh print    the lesson's fits printed in the terminal
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
notebook=notebooks/01-science-attitudes.ipynb
root_flag=()
[ "$(id -u)" = 0 ] && root_flag=(--allow-root)  # JupyterLab refuses to start as root without it
case "${1:-lab}" in
  lab) shift || true; exec .venv/bin/jupyter lab "${root_flag[@]}" "$notebook" "$@" ;;
  # Notebook 7's JupyterLab extension does not load inside Voila; leave it out.
  voila) shift; exec .venv/bin/voila --VoilaConfiguration.extension_denylist=@jupyter-notebook/lab-extension "$notebook" "$@" ;;
  print) exec .venv/bin/python -m mixwidget ;;
  *) echo "usage: bash scripts/demo.sh [lab|voila|print] [options for jupyter lab or voila]" >&2; exit 2 ;;
esac
