"""The Streamlit face of `rag`: one module per page, the pieces they share, and nothing else.

`app.py` draws the frame (sidebar, tabs) and hands each open tab to its page's `render`.
This package is the only code that imports streamlit; everything it shows comes from `rag`.
"""
