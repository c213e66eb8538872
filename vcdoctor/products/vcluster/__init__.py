"""What vcdoctor knows about vCluster; checks import this package's public names."""

from vcdoctor.products.vcluster import compat  # noqa: F401
from vcdoctor.products.vcluster.config import (  # noqa: F401
    ConfigMissing,
    MalformedConfig,
    OwnerSetting,
    PodClassSetting,
    Settings,
    config_outline,
    load_config,
    lookalike_keys,
    owner_setting,
    parse_config,
    pod_priority_class,
    pod_runtime_class,
    reduce_config,
    syncer_flags,
)
from vcdoctor.products.vcluster.discovery import (  # noqa: F401
    CONFIG_HASH,
    VCLUSTER_SELECTOR,
    VCluster,
    discover,
    is_control_plane_of,
    owner_key,
    select,
    service_owner,
    stale_control_plane,
)
from vcdoctor.products.vcluster.fixes import (  # noqa: F401
    KAI_SYNC_LABELS,
    SET_OWNER_VALUES,
    VClusterValues,
    control_plane_rollout,
    deep_merge,
    managed,
    reapply,
    upgrade_explained,
)
from vcdoctor.products.vcluster.names import (  # noqa: F401
    MANAGED_BY,
    OBJECT_NAME,
    OBJECT_NAMESPACE,
    VIRTUAL_LABELS,
    VIRTUAL_NAMESPACE_LABEL,
    host_pod_name,
    is_virtual_pod,
    label_synced,
    multi_namespace_host_namespace,
    virtual_label,
    virtual_labels,
    virtual_ref,
)
from vcdoctor.products.vcluster.per_vcluster import each_vcluster  # noqa: F401
