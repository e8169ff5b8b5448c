"""qa where people already work: an MCP server, LangChain and LlamaIndex retrievers, and a client of a running server.

    mcp           `qa mcp`: the Model Context Protocol over stdio or streamable HTTP     (extra: qa[mcp])
    langchain     `QARetriever`, a langchain-core `BaseRetriever`                          (extra: qa[langchain])
    llama_index   `QARetriever`, a llama-index-core `BaseRetriever`                        (extra: qa[llamaindex])
    remote        `RemoteCollection`: a running qa server, asked like a `Collection`       (no extra)
    source        a folder or a server, chosen in one place; passages as retriever metadata

Each answers from a documents folder (`documents=`) or a running qa server (`url=`, `api_key=`). The optional
packages are imported only here, never by the layers below (import-linter checks it), so `pip install qa` works
without any of them.
"""
