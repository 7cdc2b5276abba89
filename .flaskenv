# `flask` without --app (python-dotenv reads this file)
FLASK_APP=backend:create_app
