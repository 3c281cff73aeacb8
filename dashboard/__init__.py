"""The SAGE dashboard and the public transparency page.

``gold`` reads the Gold tables (the same SQL on DuckDB and Athena), ``pages``
turns them into two static HTML pages whose charts are inline SVG drawn by
``charts``, ``site`` writes them to a folder that works offline, and ``server``
serves that folder: the transparency page to anyone, ``/sage`` only with the
password whose hash ``auth`` checks.
"""
