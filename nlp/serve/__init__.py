"""``nlp serve``: the annotation pipeline over HTTP (Starlette app, served by uvicorn).

:func:`nlp.serve.app.create_app` builds the app with its pipeline loaded; :func:`nlp.serve.server.serve`
runs it with uvicorn in one or more worker processes.
"""
