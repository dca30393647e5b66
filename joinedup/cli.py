"""The `joinedup` console command: Django's management commands, with short names
(`joinedup demo`, `joinedup synth`, `joinedup load-authority`)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
    argv = [
        arg.replace("-", "_") if index == 1 and not arg.startswith("-") else arg for index, arg in enumerate(sys.argv)
    ]
    if len(argv) > 1 and argv[1] in {"demo", "synth", "link_files"}:
        # The demo, the generator and headless linking need no production secrets.
        os.environ.setdefault("JOINEDUP_MODE", "demo")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
