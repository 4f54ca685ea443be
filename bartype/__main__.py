from bartype.cli import main

raise SystemExit(main())
