//! A weighted hypergraph in compressed sparse row form (both directions), the input of the
//! partitioner.

/// Vertices with weights, hyperedges with weights; pins stored edge → vertices and
/// vertex → edges.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hypergraph {
    /// Vertex weights (cell area; 0 for anchors).
    pub vwgt: Vec<f64>,
    /// Edge weights.
    pub ewgt: Vec<f64>,
    /// Offsets into `pins` per edge (`len = edges + 1`).
    pub eptr: Vec<u32>,
    /// Vertices of every edge, concatenated (no duplicates within an edge).
    pub pins: Vec<u32>,
    /// Offsets into `vedges` per vertex (`len = vertices + 1`).
    pub vptr: Vec<u32>,
    /// Edges of every vertex, concatenated.
    pub vedges: Vec<u32>,
}

impl Hypergraph {
    /// Builds a hypergraph from vertex weights and edges given as (pins, weight). Pins are
    /// deduplicated per edge; edges with fewer than two distinct pins are dropped.
    pub fn new(vwgt: Vec<f64>, edges: impl IntoIterator<Item = (Vec<u32>, f64)>) -> Self {
        let mut eptr = vec![0u32];
        let mut pins = Vec::new();
        let mut ewgt = Vec::new();
        for (mut e, w) in edges {
            e.sort_unstable();
            e.dedup();
            if e.len() < 2 {
                continue;
            }
            pins.extend_from_slice(&e);
            eptr.push(pins.len() as u32);
            ewgt.push(w);
        }
        Self::from_csr(vwgt, ewgt, eptr, pins)
    }

    /// Builds the vertex → edge index for edges already in CSR form (pins distinct per edge,
    /// every edge with at least two pins).
    pub fn from_csr(vwgt: Vec<f64>, ewgt: Vec<f64>, eptr: Vec<u32>, pins: Vec<u32>) -> Self {
        let n = vwgt.len();
        let mut vptr = vec![0u32; n + 1];
        for &p in &pins {
            vptr[p as usize + 1] += 1;
        }
        for i in 0..n {
            vptr[i + 1] += vptr[i];
        }
        let mut fill = vptr.clone();
        let mut vedges = vec![0u32; pins.len()];
        for e in 0..ewgt.len() {
            for &p in &pins[eptr[e] as usize..eptr[e + 1] as usize] {
                vedges[fill[p as usize] as usize] = e as u32;
                fill[p as usize] += 1;
            }
        }
        Hypergraph { vwgt, ewgt, eptr, pins, vptr, vedges }
    }

    /// Number of vertices.
    pub fn vertices(&self) -> usize {
        self.vwgt.len()
    }
    /// Number of edges.
    pub fn edges(&self) -> usize {
        self.ewgt.len()
    }
    /// Pins of edge `e`.
    #[inline]
    pub fn edge(&self, e: usize) -> &[u32] {
        &self.pins[self.eptr[e] as usize..self.eptr[e + 1] as usize]
    }
    /// Edges of vertex `v`.
    #[inline]
    pub fn incident(&self, v: usize) -> &[u32] {
        &self.vedges[self.vptr[v] as usize..self.vptr[v + 1] as usize]
    }
    /// Total vertex weight.
    pub fn total_weight(&self) -> f64 {
        self.vwgt.iter().sum()
    }

    /// The sub-hypergraph induced by the vertices with `keep[v]`: vertices renumbered in
    /// ascending order, edges restricted to kept pins (dropped below two pins). Returns it and
    /// the original id of each new vertex.
    pub fn induced(&self, keep: &[bool]) -> (Hypergraph, Vec<u32>) {
        let mut local = vec![u32::MAX; self.vertices()];
        let mut ids = Vec::new();
        for v in 0..self.vertices() {
            if keep[v] {
                local[v] = ids.len() as u32;
                ids.push(v as u32);
            }
        }
        let vwgt = ids.iter().map(|&v| self.vwgt[v as usize]).collect();
        let mut eptr = vec![0u32];
        let mut pins = Vec::new();
        let mut ewgt = Vec::new();
        for e in 0..self.edges() {
            let start = pins.len();
            pins.extend(
                self.edge(e).iter().filter(|&&p| keep[p as usize]).map(|&p| local[p as usize]),
            );
            if pins.len() - start < 2 {
                pins.truncate(start);
                continue;
            }
            eptr.push(pins.len() as u32);
            ewgt.push(self.ewgt[e]);
        }
        (Hypergraph::from_csr(vwgt, ewgt, eptr, pins), ids)
    }

    /// Weighted cut: the sum of the weights of edges whose pins lie in more than one part.
    pub fn cut(&self, part: &[u32]) -> f64 {
        (0..self.edges())
            .filter(|&e| {
                let p = self.edge(e);
                p.iter().any(|&v| part[v as usize] != part[p[0] as usize])
            })
            .map(|e| self.ewgt[e])
            .sum()
    }
}
