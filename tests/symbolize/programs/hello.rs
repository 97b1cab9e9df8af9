use std::collections::HashMap;

#[derive(Debug)]
struct Tally<T> {
    counts: HashMap<T, u64>,
}

impl<T: std::hash::Hash + Eq + Clone> Tally<T> {
    fn new() -> Self {
        Tally { counts: HashMap::new() }
    }
    #[inline(never)]
    fn add(&mut self, item: &T) {
        *self.counts.entry(item.clone()).or_insert(0) += 1;
    }
}

#[inline(never)]
fn crunch(n: u64) -> u64 {
    (0..n).map(|i| i * i % 7).filter(|x| x % 2 == 0).sum()
}

fn main() {
    let mut tally = Tally::new();
    for word in std::env::args() {
        tally.add(&word);
    }
    println!("{:?} {}", tally.counts.len(), crunch(std::env::args().count() as u64 * 1000));
}
