//! deploy/kubernetes: the manifests agree with each other and with the
//! configuration loader and command line.

use std::collections::{BTreeMap, BTreeSet};

use latchkey_server::cli::Command;
use serde_json::Value;

use super::{command, load, root, strings, yaml};

/// Every manifest in deploy/kubernetes, by kind.
fn manifests() -> BTreeMap<String, Value> {
    let kustomization = yaml("deploy/kubernetes/kustomization.yaml");
    let listed: BTreeSet<String> = strings(&kustomization["resources"]).into_iter().collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(root().join("deploy/kubernetes"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f.ends_with(".yaml") && f != "kustomization.yaml")
        .collect();
    assert_eq!(listed, on_disk, "kustomization.yaml lists every manifest");
    let mut by_kind = BTreeMap::new();
    for file in &listed {
        let doc = yaml(&format!("deploy/kubernetes/{file}"));
        let kind = doc["kind"].as_str().unwrap().to_owned();
        assert!(by_kind.insert(kind.clone(), doc).is_none(), "one {kind}");
    }
    by_kind
}

fn labels(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .unwrap_or_else(|| panic!("labels: {v}"))
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

fn selects(selector: &BTreeMap<String, String>, pod: &BTreeMap<String, String>) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| pod.get(k) == Some(v))
}

#[test]
fn kubernetes_configmap_is_accepted_by_the_configuration_loader() {
    let m = manifests();
    let data: BTreeMap<String, String> = labels(&m["ConfigMap"]["data"]);
    let config = load(&data).unwrap_or_else(|e| panic!("ConfigMap: {e}"));
    assert!(config.issuer.scheme() == "https" && !config.dev_mode);

    // Each `_FILE` names a key of the Secret, under the path it is mounted at.
    let pod = &m["Deployment"]["spec"]["template"]["spec"];
    let secret_keys: BTreeSet<&String> = m["Secret"]["stringData"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    let (secret, dir) = secret_mount(pod);
    assert_eq!(m["Secret"]["metadata"]["name"], secret.as_str());
    let dir = dir.as_str();
    for (var, path) in data.iter().filter(|(k, _)| k.ends_with("_FILE")) {
        let key = path
            .strip_prefix(dir)
            .and_then(|p| p.strip_prefix('/'))
            .unwrap_or_else(|| panic!("{var}={path} is not under {dir}"));
        assert!(
            secret_keys.contains(&key.to_owned()),
            "{var}: no Secret key {key}"
        );
    }
}

/// Where a pod mounts a Secret: (secret name, mount path).
fn secret_mount(pod: &Value) -> (String, String) {
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["secret"]["secretName"].is_string())
        .expect("a Secret volume");
    let mount = pod["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|vm| vm["name"] == volume["name"])
        .expect("mounted");
    let name = volume["secret"]["secretName"].as_str().unwrap();
    (
        name.to_owned(),
        mount["mountPath"].as_str().unwrap().to_owned(),
    )
}

/// Resolves a probe's or Service's port (a name or a number) to the
/// container port.
fn container_port(container: &Value, port: &Value) -> u64 {
    if let Some(n) = port.as_u64() {
        return n;
    }
    container["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == *port)
        .unwrap_or_else(|| panic!("no container port named {port}"))["containerPort"]
        .as_u64()
        .unwrap()
}

#[test]
fn kubernetes_deployment_probes_selectors_and_migration_job_agree() {
    let m = manifests();
    let deploy = &m["Deployment"];
    assert_eq!(deploy["spec"]["replicas"], 3);
    let pod_labels = labels(&deploy["spec"]["template"]["metadata"]["labels"]);
    assert!(selects(
        &labels(&deploy["spec"]["selector"]["matchLabels"]),
        &pod_labels
    ));
    let pod = &deploy["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    assert!(matches!(
        command(&strings(&container["args"])),
        Command::Serve
    ));

    let listen = load(&labels(&m["ConfigMap"]["data"]))
        .unwrap()
        .server
        .listen;
    for (probe, path) in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["path"], path, "{probe}");
        assert_eq!(
            container_port(container, &get["port"]),
            u64::from(listen.port()),
            "{probe}"
        );
    }
    let sc = &container["securityContext"];
    assert_eq!(sc["readOnlyRootFilesystem"], true);
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_ne!(pod["securityContext"]["runAsUser"], 0);
    assert!(container["resources"]["requests"]["memory"].is_string());
    assert!(container["resources"]["limits"]["memory"].is_string());
    assert_eq!(
        container["envFrom"][0]["configMapRef"]["name"],
        m["ConfigMap"]["metadata"]["name"]
    );

    let service = &m["Service"];
    let svc_selector = labels(&service["spec"]["selector"]);
    assert!(
        selects(&svc_selector, &pod_labels),
        "Service selects the nodes"
    );
    let target = &service["spec"]["ports"][0]["targetPort"];
    assert_eq!(container_port(container, target), u64::from(listen.port()));
    let pdb = labels(&m["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"]);
    assert!(selects(&pdb, &pod_labels), "PDB covers the nodes");

    let job = &m["Job"]["spec"]["template"];
    let job_container = &job["spec"]["containers"][0];
    assert!(matches!(
        command(&strings(&job_container["args"])),
        Command::Migrate
    ));
    assert_eq!(
        job_container["image"], container["image"],
        "migrates with the same image"
    );
    assert_eq!(
        job_container["envFrom"], container["envFrom"],
        "and the same configuration"
    );
    assert_eq!(
        secret_mount(&job["spec"]),
        secret_mount(pod),
        "and the same secrets"
    );
    let job_labels = labels(&job["metadata"]["labels"]);
    assert!(
        !selects(&svc_selector, &job_labels),
        "the migration gets no traffic"
    );
    assert!(!selects(&pdb, &job_labels));
}
