from sniper.cli.main import main

raise SystemExit(main())
