"""The `desk` command (placeholder until the build lands)."""

def main(argv=None) -> int:
    return 0
