from jobhook_testkit.cli import main

raise SystemExit(main())
