"""python -m deploy.backup create|list|verify|restore: see deploy/backup/__init__.py."""
import argparse
import os
import sys
import tarfile

from . import BackupError, backups, settings, size
from .create import create
from .restore import restore, verify


def list_backups(values: dict) -> None:
    for name in backups(values["BACKUP_DIR"]):
        folder = os.path.join(values["BACKUP_DIR"], name)
        total = sum(os.path.getsize(os.path.join(folder, file)) for file in os.listdir(folder))
        print(f"{folder}  {size(total)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.backup", description="Backups of the database and the uploads.")
    commands = parser.add_subparsers(dest="command", required=True)
    create_command = commands.add_parser("create", help="back up the database and the uploads into BACKUP_DIR")
    create_command.add_argument("--database-from", metavar="COMMAND", help="a shell command whose output is the pg_dump (compose)")
    create_command.add_argument("--uploads-from", metavar="COMMAND", help="a shell command whose output is the uploads' tar (compose)")
    commands.add_parser("list", help="the backups in BACKUP_DIR, oldest first")
    for name, about in (("verify", "check a backup's checksums"), ("restore", "restore a backup into an empty database and folder")):
        commands.add_parser(name, help=about).add_argument("backup", help="a backup's folder, or its name in BACKUP_DIR")
    arguments = parser.parse_args(argv)
    try:
        values = settings()
        if arguments.command == "create":
            create(values, arguments.database_from, arguments.uploads_from)
        elif arguments.command == "list":
            list_backups(values)
        elif arguments.command == "verify":
            print(f"verify: {arguments.backup} is sound ({', '.join(verify(arguments.backup))})")
        else:
            restore(values, arguments.backup)
    except (BackupError, OSError, tarfile.TarError) as error:
        print(f"{arguments.command}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
