"""Clusterlab's one entry point (`streamlit run app/Home.py`): every page is a function behind st.navigation."""

import streamlit as st

from clustering.app.opening import open_given_file
from clustering.app.views import cluster, compare, data, explain, explore, home, learn

st.set_page_config(page_title="Clusterlab", page_icon="◍", layout="wide")
PAGES = [
    st.Page(home.render, title="Home", icon=":material/home:", url_path="home", default=True),
    st.Page(learn.render, title="Learn", icon=":material/school:", url_path="Learn"),
    st.Page(data.render, title="Data", icon=":material/dataset:", url_path="Data"),
    st.Page(cluster.render, title="Cluster", icon=":material/bubble_chart:", url_path="Cluster"),
    st.Page(explore.render, title="Explore", icon=":material/explore:", url_path="Explore"),
    st.Page(compare.render, title="Compare", icon=":material/compare:", url_path="Compare"),
    st.Page(explain.render, title="Explain", icon=":material/lightbulb:", url_path="Explain"),
]
PAGE = st.navigation(PAGES)
open_given_file(PAGES[4])  # `clusterlab app FILE`: the file opens on its map
PAGE.run()
