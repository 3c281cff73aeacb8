"""The lake's shared services: its tables as declared, and Bronze's columnar days."""
