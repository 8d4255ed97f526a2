"""A bare Flask hello: the ceiling the app's pages are compared with in the same run."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
