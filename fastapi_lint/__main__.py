from fastapi_lint.cli import main

main()
