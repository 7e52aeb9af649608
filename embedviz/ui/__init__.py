"""The one corner of embedviz that imports Streamlit: cached wrappers and reusable widgets."""
