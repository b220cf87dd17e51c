//! The exported SDL in `schema/duban.graphql` is the contract county platforms build
//! against; it must match the code. `DUBAN_BLESS=1` rewrites it after an intended change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_exported_sdl_matches_the_schema() {
    let path = std::path::PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../../schema/duban.graphql");
    let sdl = duban_gateway::schema::sdl();
    if std::env::var("DUBAN_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &sdl).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == sdl,
        "schema/duban.graphql drifted from the code; run `DUBAN_BLESS=1 cargo test -p duban-gateway --test sdl` and review the diff"
    );
}

#[test]
fn enums_carry_their_chinese_labels_and_scalars_their_names() {
    let sdl = duban_gateway::schema::sdl();
    for needle in [
        "scalar Date",
        "scalar DateTime",
        "已签收",
        "红牌督办",
        "totalCount",
        "expectedVersion: Int!",
    ] {
        assert!(sdl.contains(needle), "SDL lacks {needle}");
    }
}
