"""Pure domain core: rules, state machines, scoring maths and identifier checks (no Flask, no database)."""
