//! Append and proof generation at one million leaves, against the cost of the hashing
//! alone measured in the same run. `cargo bench -p duban-audit --bench merkle`
//! (set `DUBAN_BENCH_LEAVES` for another size).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use duban_audit::merkle::{verify_inclusion, HashAlg, Tree};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn per_op(total: Duration, n: u64) -> f64 {
    total.as_secs_f64() * 1e9 / n as f64
}

fn main() {
    let n: u64 = std::env::var("DUBAN_BENCH_LEAVES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let alg = HashAlg::Sha256;
    // A typical canonical event is a few hundred bytes.
    let payload = |i: u64| {
        format!("{{\"aggregate_id\":\"a-{i}\",\"data\":{{\"title\":\"建立每周一总结、一计划、一通报、一点评工作推进机制\",\"n\":{i}}},\"type\":\"AssignmentIssued\"}}")
    };

    let payloads: Vec<String> = (0..n).map(payload).collect();
    // Baseline: hashing every leaf's bytes, nothing else.
    let t = Instant::now();
    let mut leaves = Vec::with_capacity(n as usize);
    for p in &payloads {
        leaves.push(alg.leaf(p.as_bytes()));
    }
    let hash_only = t.elapsed();
    drop(payloads);

    let t = Instant::now();
    let mut tree = Tree::new(alg);
    for l in &leaves {
        tree.push(*l);
    }
    let append = t.elapsed();

    let t = Instant::now();
    let root = black_box(tree.root(n).expect("root"));
    let root_time = t.elapsed();

    let samples = 10_000u64;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let t = Instant::now();
    let mut longest = 0;
    let mut proofs = Vec::with_capacity(samples as usize);
    for _ in 0..samples {
        let i = next() % n;
        let p = tree.inclusion_proof(i, n).expect("proof");
        longest = longest.max(p.len());
        proofs.push((i, p));
    }
    let inclusion = t.elapsed();

    let t = Instant::now();
    for (i, p) in &proofs {
        let p: Vec<Vec<u8>> = p.iter().map(|h| h.to_vec()).collect();
        verify_inclusion(alg, *i, n, &tree.leaf(*i).expect("leaf"), &p, &root).expect("verifies");
    }
    let verify = t.elapsed();

    let t = Instant::now();
    let mut longest_c = 0;
    for _ in 0..samples {
        let from = 1 + next() % (n - 1);
        let p = tree.consistency_proof(from, n).expect("proof");
        longest_c = longest_c.max(p.len());
    }
    let consistency = t.elapsed();

    let node = {
        let t = Instant::now();
        let mut h = leaves[0];
        for l in leaves.iter().take(100_000) {
            h = alg.node(&h, l);
        }
        black_box(h);
        per_op(t.elapsed(), 100_000)
    };

    let leaf_ns = per_op(hash_only, n);
    println!("audit Merkle log, {n} leaves, SHA-256 (one run; machine noise applies)");
    println!("{:<44} {:>12} {:>10}", "operation", "ns/op", "ratio");
    println!(
        "{:<44} {:>12.0} {:>10}",
        "baseline: hash one leaf (SHA-256 of ~200 B)", leaf_ns, "1.00"
    );
    println!(
        "{:<44} {:>12.0} {:>10}",
        "baseline: hash one node (SHA-256 of 65 B)",
        node,
        format!("{:.2}", node / leaf_ns)
    );
    let ap = per_op(append, n);
    println!(
        "{:<44} {:>12.0} {:>10.2}",
        "append one leaf hash to the tree",
        ap,
        ap / leaf_ns
    );
    println!(
        "{:<44} {:>12.0} {:>10.2}",
        format!("root of all {n}"),
        root_time.as_nanos() as f64,
        root_time.as_nanos() as f64 / leaf_ns
    );
    let inc = per_op(inclusion, samples);
    println!(
        "{:<44} {:>12.0} {:>10.2}",
        format!("inclusion proof (≤ {longest} hashes)"),
        inc,
        inc / leaf_ns
    );
    let ver = per_op(verify, samples);
    println!(
        "{:<44} {:>12.0} {:>10.2}",
        "verify an inclusion proof",
        ver,
        ver / leaf_ns
    );
    let con = per_op(consistency, samples);
    println!(
        "{:<44} {:>12.0} {:>10.2}",
        format!("consistency proof (≤ {longest_c} hashes)"),
        con,
        con / leaf_ns
    );
    println!(
        "tree of {n} leaves holds {} hashes in memory (~{} MiB)",
        2 * n,
        2 * n * 32 / (1 << 20)
    );
}
