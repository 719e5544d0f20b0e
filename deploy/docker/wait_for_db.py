"""Wait until the database answers a query (an open port is not enough), for at most DB_WAIT_TIMEOUT s."""
import os
import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from app.config import database_url  # the app's own reading (password files too), installed in the venv


def main() -> int:
    url = database_url("/nonexistent")
    if not url.startswith("postgresql"):
        return 0
    deadline = time.monotonic() + int(os.environ.get("DB_WAIT_TIMEOUT", "60"))
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    while True:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return 0
        except SQLAlchemyError as error:
            if time.monotonic() > deadline:
                print(f"wait_for_db: no answer from the database: {error.__class__.__name__}", file=sys.stderr)
                return 1
            time.sleep(1)
        finally:
            engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
