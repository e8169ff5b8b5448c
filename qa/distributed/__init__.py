"""A sharded index: past one machine's memory or question rate, with the ranking of one index.

`qa index --shards N` cuts the folder's articles into N shards by a stable hash of their id (`layout`), each an
ordinary index version (`store`). A question is answered by every shard with the collection's statistics
(`statistics`, `shard`) and merged as one index would rank it (`ranking`); writes go to the owning shard and change
every shard's statistics before they are acknowledged (`writes`). `collection` makes that what the HTTP app
answers from; `cluster` (the only module that imports Ray) runs the shards as Ray actors and the app on Ray Serve.
"""
