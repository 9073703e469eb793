"""(Being written: see the chapter plan in mkdocs.yml.)"""
