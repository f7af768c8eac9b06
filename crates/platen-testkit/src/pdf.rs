//! Valid PDFs for tests: one page per text, each showing its text in Helvetica, with the cross-reference
//! offsets computed, so that poppler (`pdfinfo`), CUPS filters and printers read them like any other PDF.

/// A PDF of `width` × `height` points with one page per entry of `texts`.
pub fn pages(width: u32, height: u32, texts: &[&str]) -> Vec<u8> {
    // Objects: 1 catalog, 2 page tree, 3 font, then per page its page object and its content stream.
    let page_object = |i: usize| 4 + 2 * i;
    let kids: Vec<String> = (0..texts.len())
        .map(|i| format!("{} 0 R", page_object(i)))
        .collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            texts.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    for (i, text) in texts.iter().enumerate() {
        let stream = format!("BT /F1 24 Tf 72 {} Td ({text}) Tj ET", height.saturating_sub(80));
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] /Contents {} 0 R \
             /Resources << /Font << /F1 3 0 R >> >> >>",
            page_object(i) + 1
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ));
    }
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// An A4 PDF of `n` pages numbered "Page 1" … "Page n".
pub fn numbered(n: usize) -> Vec<u8> {
    let texts: Vec<String> = (1..=n).map(|i| format!("Page {i}")).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    pages(595, 842, &refs)
}
