# Sourced by the process scripts: every setting the environment does not already give, from
# .env and then the embedded defaults of contract/settings.py (the one place they are written).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
eval "$(cd "$root" && python3 -S -m contract.settings)"
mkdir -p "$root/var"
