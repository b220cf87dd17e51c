//! 周通报 as files: `/bulletins/v1/{id}.docx` in the layout of GB/T 9704 公文, and
//! `/bulletins/v1/{id}.md`.

use crate::server::{http_actor, Gateway, HttpAnswer};
use actix_web::{web, HttpRequest, HttpResponse};
use duban_api::{ApiError, BulletinView};

/// A bulletin as a .docx in the layout of GB/T 9704-2012: A4, 天头 37 mm, 订口 28 mm;
/// the issuer's mark in red 小标宋, the 发文字号 and the red rule; the title in 2号
/// 小标宋; the body in 3号仿宋 with headings in 黑体, each paragraph indented two
/// characters; the date; page numbers as — 1 —.
pub fn to_docx(b: &BulletinView) -> Result<Vec<u8>, ApiError> {
    use docx_rs::{
        AlignmentType, BorderType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum,
        Paragraph, ParagraphBorder, ParagraphBorderPosition, Run, RunFonts,
    };
    let d = &b.data;
    let font = |f: &str| RunFonts::new().east_asia(f).ascii(f).hi_ansi(f);
    let fangsong = || font("仿宋_GB2312");
    let exact = || {
        LineSpacing::new()
            .line_rule(LineSpacingType::Exact)
            .line(580)
    };
    let body = |text: &str, f: RunFonts| {
        Paragraph::new()
            .add_run(Run::new().add_text(text).size(32).fonts(f))
            .first_line_chars(200)
            .line_spacing(exact())
    };
    let mark = Paragraph::new()
        .add_run(
            Run::new()
                .add_text(format!("{}督查督办通报", d.issuer_name))
                .size(72)
                .color("FF0000")
                .fonts(font("方正小标宋简体")),
        )
        .align(AlignmentType::Center);
    let mut number = Paragraph::new()
        .add_run(Run::new().add_text(&d.number).size(32).fonts(fangsong()))
        .align(AlignmentType::Center);
    number.property = number.property.set_border(
        ParagraphBorder::new(ParagraphBorderPosition::Bottom)
            .val(BorderType::Single)
            .size(12)
            .color("FF0000"),
    );
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(2098)
                .left(1587)
                .right(1474)
                .bottom(1984)
                .header(851)
                .footer(992),
        )
        .default_fonts(fangsong())
        .default_size(32)
        .add_paragraph(Paragraph::new())
        .add_paragraph(mark)
        .add_paragraph(Paragraph::new())
        .add_paragraph(number)
        .add_paragraph(Paragraph::new())
        .add_paragraph(
            Paragraph::new()
                .add_run(
                    Run::new()
                        .add_text(&b.title)
                        .size(44)
                        .fonts(font("方正小标宋简体")),
                )
                .align(AlignmentType::Center),
        )
        .add_paragraph(Paragraph::new());
    let addressee = if d.rows.is_empty() {
        format!("{}：", d.scope_name)
    } else {
        format!("{}所属各单位：", d.scope_name)
    };
    doc = doc.add_paragraph(
        Paragraph::new()
            .add_run(Run::new().add_text(addressee).size(32).fonts(fangsong()))
            .line_spacing(exact()),
    );
    for para in b.paragraphs() {
        doc = match para.strip_prefix("# ") {
            Some(h) => doc.add_paragraph(body(h, font("黑体"))),
            None => doc.add_paragraph(body(&para, fangsong())),
        };
    }
    doc = doc.add_paragraph(Paragraph::new()).add_paragraph(
        Paragraph::new()
            .add_run(
                Run::new()
                    .add_text(duban_api::long_date(d.issued_on))
                    .size(32)
                    .fonts(fangsong()),
            )
            .align(AlignmentType::Right)
            .indent(None, None, Some(1280), None),
    );
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .add_run(Run::new().add_text("— ").size(28))
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(" —").size(28))
            .align(AlignmentType::Center),
    );
    doc = doc.footer(footer);
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| ApiError::Internal(format!("通报文件生成失败：{e}")))?;
    Ok(out.into_inner())
}

/// `GET /bulletins/v1/{id}.docx` or `{id}.md`: one bulletin the caller may read.
pub(crate) async fn download(
    gw: web::Data<Gateway>,
    req: HttpRequest,
    file: web::Path<String>,
) -> HttpAnswer {
    let actor = http_actor(&gw, &req).await?;
    let (id, ext) = file
        .rsplit_once('.')
        .ok_or_else(|| ApiError::not_found("通报", &file))?;
    let b = gw.services.evaluation.bulletin(&actor, id).await?;
    let (bytes, mime) = match ext {
        "docx" => (
            to_docx(&b)?,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        "md" => (b.markdown().into_bytes(), "text/markdown; charset=utf-8"),
        _ => return Err(ApiError::validation("format", "格式应为 docx 或 md").into()),
    };
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"bulletin-{id}.{ext}\""),
        ))
        .body(bytes))
}
