#!/usr/bin/env bash
# Re-make docs/first-session.md: a tmux capture of a first `python -m bot chat` session on a
# fresh index (80 columns): /help, a question, a follow-up, /why, /sources, Ctrl-C.
# Run from the repository root with the project's venv active; needs tmux.
set -euo pipefail
out=docs/first-session.md
work=$(mktemp -d)
session=briefbot-first-session-$$
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work"' EXIT

python=$(command -v python)
tmux new-session -d -s "$session" -x 80 -y 50 \
  "$python -m bot --db $work/briefbot.sqlite3 chat; \
   echo \"[briefbot exited with status \$?]\"; sleep 600"
tmux set-option -t "$session" history-limit 20000

prompts() { tmux capture-pane -p -S - -t "$session" | grep -c '^you>' || true; }
wait_for_prompt() {  # until the number of prompts on screen reaches $1 (at most 3 minutes)
  for _ in $(seq 1 360); do
    [ "$(prompts)" -ge "$1" ] && return 0
    sleep 0.5
  done
  echo "no prompt after 3 minutes" >&2
  exit 1
}

n=1
wait_for_prompt $n
for line in "/help" "what does Kim want?" "and Putin?" "/why" "/sources"; do
  tmux send-keys -t "$session" "$line" Enter
  n=$((n + 1))
  wait_for_prompt $n
done
tmux send-keys -t "$session" C-c
for _ in $(seq 1 40); do
  tmux capture-pane -p -S - -t "$session" | grep -q '^\[briefbot exited' && break
  sleep 0.5
done

{
  echo "# A first session of \`briefbot chat\`"
  echo
  echo "A text capture (\`tmux capture-pane\`) of \`python -m bot chat\` in an 80-column terminal"
  echo "on a fresh index: \`/help\`, a question, a follow-up, \`/why\`, \`/sources\`, then Ctrl-C (the"
  echo "last line is the capture script's, showing the exit status)."
  echo "Made by \`docs/first-session.sh\` on the default install (hybrid: BM25 and the numpy encoder)."
  echo
  echo '```text'
  tmux capture-pane -p -S - -t "$session" | sed -e "s#$work#/tmp/briefbot#g" -e 's/[[:space:]]*$//' \
    | awk 'NF || seen { print; seen = 1 }' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
  echo '```'
} > "$out"
echo "wrote $out"
