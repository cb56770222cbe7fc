"""Pure domain core: workflow transition tables, scoring maths and identifier checks, free of Flask and SQLAlchemy."""
