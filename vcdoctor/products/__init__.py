"""Product knowledge, one package per product: names, versions, facts and fixes of vCluster, KAI and Helm."""
