from westlake_feedback import create_app

app = create_app()
