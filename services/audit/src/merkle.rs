//! RFC 6962 / RFC 9162 Merkle tree: leaf and node hashing with domain separation,
//! proofs over any store of complete subtrees (an in-memory tree, or nodes fetched from
//! the database), the frontier an appender keeps, and the verifiers a discipline
//! commission runs on its own. Checked against the transparency-dev test vectors.
//!
//! ct-merkle was considered: its verifiers take leaf values, not leaf hashes, and its
//! tree keeps whole leaves in memory, so the vectors (which give leaf hashes) and a log
//! stored in a database fit this small module better.

use sha2::Digest;

/// A 32-byte tree hash.
pub type Hash = [u8; 32];

/// The hash function of a log (the tree head names it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-256, as RFC 6962 specifies (default).
    Sha256,
    /// SM3 (GB/T 32905), for the 国密 suite.
    Sm3,
}

impl HashAlg {
    fn digest(self, parts: &[&[u8]]) -> Hash {
        match self {
            HashAlg::Sha256 => {
                let mut h = sha2::Sha256::new();
                for p in parts {
                    h.update(p);
                }
                h.finalize().into()
            }
            HashAlg::Sm3 => {
                let mut h = sm3::Sm3::new();
                for p in parts {
                    h.update(p);
                }
                h.finalize().into()
            }
        }
    }

    /// Hash of a leaf: H(0x00 ‖ data).
    pub fn leaf(self, data: &[u8]) -> Hash {
        self.digest(&[&[0u8], data])
    }

    /// Hash of an inner node: H(0x01 ‖ left ‖ right).
    pub fn node(self, left: &Hash, right: &Hash) -> Hash {
        self.digest(&[&[1u8], left, right])
    }

    /// Root of the empty tree: H().
    pub fn empty(self) -> Hash {
        self.digest(&[])
    }
}

/// Why a proof was rejected.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// Index or sizes out of range.
    #[error("index or size out of range")]
    Range,
    /// The proof has the wrong number of hashes.
    #[error("proof has {got} hashes, expected {want}")]
    Length {
        /// Hashes given.
        got: usize,
        /// Hashes expected.
        want: usize,
    },
    /// A hash is not 32 bytes.
    #[error("malformed hash")]
    Malformed,
    /// The recomputed root differs.
    #[error("root mismatch")]
    Mismatch,
}

fn to_hash(b: &[u8]) -> Result<Hash, ProofError> {
    b.try_into().map_err(|_| ProofError::Malformed)
}

fn bit_len(x: u64) -> u32 {
    64 - x.leading_zeros()
}

/// Split of an inclusion proof into the inner part and the right border.
fn decomp_incl_proof(index: u64, size: u64) -> (usize, usize) {
    let inner = bit_len(index ^ (size - 1)) as usize;
    let border = (index >> inner).count_ones() as usize;
    (inner, border)
}

fn chain_inner(alg: HashAlg, mut seed: Hash, proof: &[Hash], index: u64) -> Hash {
    for (i, h) in proof.iter().enumerate() {
        seed = if (index >> i) & 1 == 0 {
            alg.node(&seed, h)
        } else {
            alg.node(h, &seed)
        };
    }
    seed
}

fn chain_inner_right(alg: HashAlg, mut seed: Hash, proof: &[Hash], index: u64) -> Hash {
    for (i, h) in proof.iter().enumerate() {
        if (index >> i) & 1 == 1 {
            seed = alg.node(h, &seed);
        }
    }
    seed
}

fn chain_border_right(alg: HashAlg, mut seed: Hash, proof: &[Hash]) -> Hash {
    for h in proof {
        seed = alg.node(h, &seed);
    }
    seed
}

/// The root implied by an inclusion proof of `leaf_hash` at `index` in a tree of `size`.
pub fn root_from_inclusion(
    alg: HashAlg,
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[Vec<u8>],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::Range);
    }
    let leaf = to_hash(leaf_hash)?;
    let proof: Vec<Hash> = proof.iter().map(|p| to_hash(p)).collect::<Result<_, _>>()?;
    let (inner, border) = decomp_incl_proof(index, size);
    if proof.len() != inner + border {
        return Err(ProofError::Length {
            got: proof.len(),
            want: inner + border,
        });
    }
    let r = chain_inner(alg, leaf, &proof[..inner], index);
    Ok(chain_border_right(alg, r, &proof[inner..]))
}

/// Checks that `leaf_hash` is at `index` of the tree of `size` with `root`.
pub fn verify_inclusion(
    alg: HashAlg,
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[Vec<u8>],
    root: &[u8],
) -> Result<(), ProofError> {
    let root = to_hash(root)?;
    if root_from_inclusion(alg, index, size, leaf_hash, proof)? == root {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

/// Checks that the tree of `size2` with `root2` extends the tree of `size1` with `root1`.
pub fn verify_consistency(
    alg: HashAlg,
    size1: u64,
    size2: u64,
    root1: &[u8],
    root2: &[u8],
    proof: &[Vec<u8>],
) -> Result<(), ProofError> {
    // Roots are compared as given; only a root used as a seed must be a hash.
    // A proof from the empty tree proves nothing and is refused, as RFC 9162 verifiers do.
    if size1 == 0 || size2 < size1 {
        return Err(ProofError::Range);
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::Length {
                got: proof.len(),
                want: 0,
            });
        }
        return if root1 == root2 {
            Ok(())
        } else {
            Err(ProofError::Mismatch)
        };
    }
    if proof.is_empty() {
        return Err(ProofError::Length { got: 0, want: 1 });
    }
    let proof: Vec<Hash> = proof.iter().map(|p| to_hash(p)).collect::<Result<_, _>>()?;
    let (mut inner, border) = decomp_incl_proof(size1 - 1, size2);
    let shift = size1.trailing_zeros() as usize;
    inner -= shift;
    let (seed, start) = if size1 == 1 << shift {
        (to_hash(root1)?, 0)
    } else {
        (proof[0], 1)
    };
    if proof.len() != start + inner + border {
        return Err(ProofError::Length {
            got: proof.len(),
            want: start + inner + border,
        });
    }
    let p = &proof[start..];
    let mask = (size1 - 1) >> shift;
    let h1 = chain_border_right(
        alg,
        chain_inner_right(alg, seed, &p[..inner], mask),
        &p[inner..],
    );
    if h1[..] != *root1 {
        return Err(ProofError::Mismatch);
    }
    let h2 = chain_border_right(alg, chain_inner(alg, seed, &p[..inner], mask), &p[inner..]);
    if h2[..] != *root2 {
        return Err(ProofError::Mismatch);
    }
    Ok(())
}

/// Where proofs read the hash of a complete subtree: `level` 0 are the leaves, and node
/// `index` of `level` covers leaves `[index << level, (index + 1) << level)`.
pub trait Nodes {
    /// The hash of that subtree; the caller only asks for subtrees of the tree.
    fn node(&self, level: u32, index: u64) -> Hash;
}

/// MTH of leaves [start, end), where the range is a subtree as RFC 6962 splits them.
fn subtree(n: &(impl Nodes + ?Sized), alg: HashAlg, start: u64, end: u64) -> Hash {
    let len = end - start;
    if len.is_power_of_two() {
        let level = len.trailing_zeros();
        return n.node(level, start >> level);
    }
    let k = largest_pow2_below(len);
    alg.node(
        &subtree(n, alg, start, start + k),
        &subtree(n, alg, start + k, end),
    )
}

/// Root of the first `size` leaves of a tree of at least that size.
pub fn root_of(n: &(impl Nodes + ?Sized), alg: HashAlg, size: u64) -> Hash {
    if size == 0 {
        alg.empty()
    } else {
        subtree(n, alg, 0, size)
    }
}

/// Inclusion proof of leaf `index < size` (RFC 6962 PATH).
pub fn inclusion_of(n: &(impl Nodes + ?Sized), alg: HashAlg, index: u64, size: u64) -> Vec<Hash> {
    fn path(
        n: &(impl Nodes + ?Sized),
        alg: HashAlg,
        m: u64,
        start: u64,
        end: u64,
        out: &mut Vec<Hash>,
    ) {
        let len = end - start;
        if len <= 1 {
            return;
        }
        let k = largest_pow2_below(len);
        if m < k {
            path(n, alg, m, start, start + k, out);
            out.push(subtree(n, alg, start + k, end));
        } else {
            path(n, alg, m - k, start + k, end, out);
            out.push(subtree(n, alg, start, start + k));
        }
    }
    let mut out = Vec::new();
    path(n, alg, index, 0, size, &mut out);
    out
}

/// Consistency proof from size `from` to size `to >= from` (RFC 6962 PROOF).
pub fn consistency_of(n: &(impl Nodes + ?Sized), alg: HashAlg, from: u64, to: u64) -> Vec<Hash> {
    #[allow(clippy::too_many_arguments)]
    fn sub(
        n: &(impl Nodes + ?Sized),
        alg: HashAlg,
        m: u64,
        start: u64,
        end: u64,
        complete: bool,
        out: &mut Vec<Hash>,
    ) {
        let len = end - start;
        if m == len {
            if !complete {
                out.push(subtree(n, alg, start, end));
            }
            return;
        }
        let k = largest_pow2_below(len);
        if m <= k {
            sub(n, alg, m, start, start + k, complete, out);
            out.push(subtree(n, alg, start + k, end));
        } else {
            sub(n, alg, m - k, start + k, end, false, out);
            out.push(subtree(n, alg, start, start + k));
        }
    }
    let mut out = Vec::new();
    if from > 0 && from < to {
        sub(n, alg, from, 0, to, true, &mut out);
    }
    out
}

/// Records the nodes a computation reads, answering zeros, so that a store can fetch
/// exactly those first: a proof's shape does not depend on the hashes in it.
#[derive(Default)]
pub struct Wanted(std::cell::RefCell<std::collections::BTreeSet<(u32, u64)>>);

impl Wanted {
    /// The nodes read so far.
    pub fn into_set(self) -> std::collections::BTreeSet<(u32, u64)> {
        self.0.into_inner()
    }
}

impl Nodes for Wanted {
    fn node(&self, level: u32, index: u64) -> Hash {
        self.0.borrow_mut().insert((level, index));
        [0; 32]
    }
}

impl Nodes for std::collections::HashMap<(u32, u64), Hash> {
    fn node(&self, level: u32, index: u64) -> Hash {
        self.get(&(level, index)).copied().unwrap_or([0; 32])
    }
}

/// The right edge of a tree: the complete subtrees still waiting for a right sibling,
/// enough to append leaves and take the root without the rest of the tree.
#[derive(Clone, Debug)]
pub struct Frontier {
    alg: HashAlg,
    size: u64,
    /// Per level, the waiting subtree's hash (present where `size` has that bit set).
    edge: Vec<Option<Hash>>,
}

impl Frontier {
    /// The nodes a frontier of `size` consists of, lowest level first.
    pub fn nodes_of(size: u64) -> Vec<(u32, u64)> {
        (0..64)
            .filter(|l| size >> l & 1 == 1)
            .map(|l| (l, (size >> l) - 1))
            .collect()
    }

    /// The frontier of `size` from its nodes (as [`Frontier::nodes_of`] names them).
    pub fn new(alg: HashAlg, size: u64, nodes: &impl Nodes) -> Self {
        let mut edge = vec![None; bit_len(size) as usize];
        for (level, index) in Self::nodes_of(size) {
            edge[level as usize] = Some(nodes.node(level, index));
        }
        Self { alg, size, edge }
    }

    /// Leaves so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf; returns the inner nodes it completed as (level, index, hash).
    pub fn push(&mut self, leaf: Hash) -> Vec<(u32, u64, Hash)> {
        let mut done = Vec::new();
        let (mut h, mut level, mut index) = (leaf, 0usize, self.size);
        while let Some(left) = self.edge.get_mut(level).and_then(Option::take) {
            h = self.alg.node(&left, &h);
            level += 1;
            index >>= 1;
            done.push((level as u32, index, h));
        }
        if self.edge.len() <= level {
            self.edge.resize(level + 1, None);
        }
        self.edge[level] = Some(h);
        self.size += 1;
        done
    }

    /// The root of the tree so far.
    pub fn root(&self) -> Hash {
        let mut waiting = self.edge.iter().flatten();
        let Some(first) = waiting.next() else {
            return self.alg.empty();
        };
        waiting.fold(*first, |acc, left| self.alg.node(left, &acc))
    }
}

/// An append-only tree keeping every complete subtree's hash in memory, so roots and
/// proofs for any size take O(log n) hashes. `levels[0]` are the leaf hashes.
#[derive(Clone, Debug)]
pub struct Tree {
    alg: HashAlg,
    levels: Vec<Vec<Hash>>,
}

fn largest_pow2_below(n: u64) -> u64 {
    // n >= 2
    1 << (bit_len(n - 1) - 1)
}

impl Nodes for Tree {
    fn node(&self, level: u32, index: u64) -> Hash {
        self.levels[level as usize][index as usize]
    }
}

impl Tree {
    /// An empty tree.
    pub fn new(alg: HashAlg) -> Self {
        Self {
            alg,
            levels: vec![Vec::new()],
        }
    }

    /// The hash function.
    pub fn alg(&self) -> HashAlg {
        self.alg
    }

    /// Leaves so far.
    pub fn size(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// Appends a leaf by its hash.
    pub fn push(&mut self, leaf: Hash) {
        self.levels[0].push(leaf);
        let mut level = 0;
        while self.levels[level].len().is_multiple_of(2) {
            let n = self.levels[level].len();
            let h = self
                .alg
                .node(&self.levels[level][n - 2], &self.levels[level][n - 1]);
            if self.levels.len() == level + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[level + 1].push(h);
            level += 1;
        }
    }

    /// The leaf hash at `index`.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels[0].get(index as usize).copied()
    }

    /// The complete subtree's hash at (`level`, `index`), if the tree has it.
    pub fn node_at(&self, level: u32, index: u64) -> Option<Hash> {
        self.levels
            .get(level as usize)?
            .get(index as usize)
            .copied()
    }

    /// Root of the first `size` leaves.
    pub fn root(&self, size: u64) -> Option<Hash> {
        (size <= self.size()).then(|| root_of(self, self.alg, size))
    }

    /// Inclusion proof of leaf `index` in the tree of `size` (RFC 6962 PATH).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        (index < size && size <= self.size()).then(|| inclusion_of(self, self.alg, index, size))
    }

    /// Consistency proof from size `from` to size `to` (RFC 6962 PROOF).
    pub fn consistency_proof(&self, from: u64, to: u64) -> Option<Vec<Hash>> {
        (from <= to && to <= self.size()).then(|| consistency_of(self, self.alg, from, to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(n: u64, alg: HashAlg) -> Tree {
        let mut t = Tree::new(alg);
        for i in 0..n {
            t.push(alg.leaf(&i.to_be_bytes()));
        }
        t
    }

    fn naive_root(alg: HashAlg, leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => alg.empty(),
            1 => leaves[0],
            n => {
                let k = largest_pow2_below(n as u64) as usize;
                alg.node(
                    &naive_root(alg, &leaves[..k]),
                    &naive_root(alg, &leaves[k..]),
                )
            }
        }
    }

    #[test]
    fn roots_match_the_recursive_definition_for_every_size_up_to_70() {
        for alg in [HashAlg::Sha256, HashAlg::Sm3] {
            let t = tree(70, alg);
            for size in 0..=70u64 {
                let leaves: Vec<Hash> = (0..size).map(|i| t.leaf(i).unwrap()).collect();
                assert_eq!(
                    t.root(size).unwrap(),
                    naive_root(alg, &leaves),
                    "size {size}"
                );
            }
        }
    }

    #[test]
    fn every_generated_proof_verifies_and_is_logarithmic() {
        for alg in [HashAlg::Sha256, HashAlg::Sm3] {
            let t = tree(40, alg);
            for size in 1..=40u64 {
                let root = t.root(size).unwrap();
                for index in 0..size {
                    let p: Vec<Vec<u8>> = t
                        .inclusion_proof(index, size)
                        .unwrap()
                        .iter()
                        .map(|h| h.to_vec())
                        .collect();
                    assert!(p.len() <= bit_len(size) as usize);
                    verify_inclusion(alg, index, size, &t.leaf(index).unwrap(), &p, &root).unwrap();
                }
                for from in 1..=size {
                    let p: Vec<Vec<u8>> = t
                        .consistency_proof(from, size)
                        .unwrap()
                        .iter()
                        .map(|h| h.to_vec())
                        .collect();
                    assert!(p.len() <= 2 * bit_len(size) as usize);
                    verify_consistency(alg, from, size, &t.root(from).unwrap(), &root, &p).unwrap();
                }
            }
        }
    }

    #[test]
    fn a_frontier_reopened_from_its_nodes_keeps_appending_the_same_tree() {
        for alg in [HashAlg::Sha256, HashAlg::Sm3] {
            let whole = tree(70, alg);
            let mut stored: std::collections::HashMap<(u32, u64), Hash> =
                (0..70).map(|i| ((0, i), whole.leaf(i).unwrap())).collect();
            let mut f = Frontier::new(alg, 0, &stored);
            for i in 0..70u64 {
                for (level, index, h) in f.push(whole.leaf(i).unwrap()) {
                    assert_eq!(whole.node_at(level, index), Some(h), "node {level}/{index}");
                    stored.insert((level, index), h);
                }
                assert_eq!(f.root(), whole.root(i + 1).unwrap(), "size {}", i + 1);
                // What a restarted appender would read back.
                let reopened = Frontier::new(alg, i + 1, &stored);
                assert_eq!(reopened.root(), f.root(), "reopened at {}", i + 1);
                f = reopened;
            }
            // Each complete subtree handed out once: ⌊70 / 2^level⌋ at each level.
            assert_eq!(stored.len(), 70 + 35 + 17 + 8 + 4 + 2 + 1);
        }
    }

    #[test]
    fn proofs_read_only_the_nodes_they_name_beforehand() {
        let alg = HashAlg::Sha256;
        let t = tree(45, alg);
        for (index, size) in [(0, 1), (3, 45), (44, 45), (17, 33)] {
            let wanted = Wanted::default();
            inclusion_of(&wanted, alg, index, size);
            let fetched: std::collections::HashMap<_, _> = wanted
                .into_set()
                .into_iter()
                .map(|(l, i)| ((l, i), t.node_at(l, i).unwrap()))
                .collect();
            assert_eq!(
                Some(inclusion_of(&fetched, alg, index, size)),
                t.inclusion_proof(index, size)
            );
            assert!(fetched.len() <= bit_len(size) as usize * 2);
        }
        let wanted = Wanted::default();
        consistency_of(&wanted, alg, 13, 45);
        root_of(&wanted, alg, 45);
        let fetched: std::collections::HashMap<_, _> = wanted
            .into_set()
            .into_iter()
            .map(|(l, i)| ((l, i), t.node_at(l, i).unwrap()))
            .collect();
        assert_eq!(
            Some(consistency_of(&fetched, alg, 13, 45)),
            t.consistency_proof(13, 45)
        );
        assert_eq!(Some(root_of(&fetched, alg, 45)), t.root(45));
    }

    #[test]
    fn a_rewritten_leaf_breaks_consistency_with_the_old_head() {
        let alg = HashAlg::Sha256;
        let t = tree(20, alg);
        let old_root = t.root(10).unwrap();
        let mut forged = Tree::new(alg);
        for i in 0..20u64 {
            let data = if i == 3 {
                b"forged".to_vec()
            } else {
                i.to_be_bytes().to_vec()
            };
            forged.push(alg.leaf(&data));
        }
        let p: Vec<Vec<u8>> = forged
            .consistency_proof(10, 20)
            .unwrap()
            .iter()
            .map(|h| h.to_vec())
            .collect();
        assert_eq!(
            verify_consistency(alg, 10, 20, &old_root, &forged.root(20).unwrap(), &p),
            Err(ProofError::Mismatch)
        );
    }

    #[test]
    fn sha256_and_sm3_give_different_trees() {
        assert_ne!(HashAlg::Sha256.leaf(b"x"), HashAlg::Sm3.leaf(b"x"));
        // SM3("abc") from GB/T 32905.
        assert_eq!(
            hex::encode(HashAlg::Sm3.digest(&[b"abc"])),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }
}
