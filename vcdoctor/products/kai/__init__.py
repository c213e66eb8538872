"""What vcdoctor knows about the NVIDIA KAI scheduler; checks import this package's public names."""

from vcdoctor.products.kai import compat, validator_compat  # noqa: F401
from vcdoctor.products.kai.components import (  # noqa: F401
    COMPONENT_APPS,
    CONFIG_NAME,
    FIND_SELECTOR,
    HELM_RELEASE_SELECTOR,
    NAMESPACE,
    POD_GROUPER_CONTAINERS,
    component_of,
)
from vcdoctor.products.kai.facts import (  # noqa: F401
    RESERVATION_NAMESPACES,
    EventsAbout,
    NamespaceExists,
    NamespaceLabels,
    Nodes,
    PendingKaiPods,
    PodGrouperLogs,
    ReservationPods,
    ServiceAccess,
    Traces,
)
from vcdoctor.products.kai.fixes import (  # noqa: F401
    ENABLE_GPU_SHARING,
    VALID_GPU_SHARE_VALUES,
    KaiInstall,
    KaiValues,
    QueueParents,
    Queues,
    gpu_sharing_fix,
    gpu_sharing_steps,
    inspect_pods,
    queue_fix,
    restart_fix,
    restart_later,
)
from vcdoctor.products.kai.gpu import INVALID_REQUEST_DENIALS, SHARING_DENIALS, SharingState, denial_of  # noqa: F401
from vcdoctor.products.kai.names import (  # noqa: F401
    GPU_FRACTION,
    GPU_MEMORY,
    GPU_RESOURCE,
    KAI_SCHEDULER,
    LEGACY_QUEUE_LABEL,
    PODGROUP_ANNOTATION,
    QUEUE_LABEL,
    kai_intent,
    kai_pods_of,
    wants_gpu_share,
    whole_gpus,
)
from vcdoctor.products.kai.pod_grouper_log import NO_OWNER_MESSAGE  # noqa: F401
from vcdoctor.products.kai.queues import DEFAULT_QUEUE, QueueTree, pod_queue, queue_tree  # noqa: F401
from vcdoctor.products.kai.release import KaiRelease, KaiSettings, flag_value, is_component_pod  # noqa: F401
from vcdoctor.products.kai.verdicts import NO_KAI_POD, NO_KAI_PODS  # noqa: F401
