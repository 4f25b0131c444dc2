"""The Streamlit app: `streamlit run app/Home.py`; pages in app/views, helpers one module per concern."""
