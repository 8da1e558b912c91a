"""The pages' own words in English and Chinese (data labels come from the graph)."""

from __future__ import annotations

LANGS = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {  # key: (en, zh)
    "site": ("ecokg", "ecokg"),
    "site_long": ("Ecological civilization knowledge graph", "生态文明知识图谱"),
    "tagline": ("China's ecological-civilization designations — national and Chongqing municipal demonstration zones "
                "and “Two Mountains” bases, their batches, holders, practices and figures, every fact cited to its source.",
                "中国生态文明建设示范区与“绿水青山就是金山银山”实践创新基地（国家级与重庆市级）：批次、命名地区、"
                "生态实践与数据，每条事实均注明来源。"),
    "home": ("Home", "首页"), "ontology": ("Ontology", "本体"), "search": ("Search", "搜索"),
    "sparql": ("SPARQL", "SPARQL 查询"), "downloads": ("Downloads", "下载"),
    "search_placeholder": ("Place, scheme, practice… (中文 or English)", "地区、称号、实践……（中文或英文）"),
    "search_button": ("Search", "搜索"),
    "switch_to": ("English", "中文"),  # shown as the link to the *other* language
    "types": ("Type", "类型"), "uri": ("URI", "URI"),
    "names": ("Other names", "其他名称"), "facts": ("Attributes", "属性"), "relations": ("Relations", "关联"),
    "provenance": ("Provenance", "来源信息"),
    "referenced_by": ("Referenced by", "被引用"),
    "showing": ("{}–{} of {}", "第 {}–{} 条，共 {} 条"), "pages": ("Pages", "分页"),
    "store_order": ("in the store's order (too many to sort)", "按存储顺序（条目过多，未排序）"),
    "holders_elsewhere": ("{} in the graph, on other pages", "本图谱记录 {} 个，见其他页"),
    "designations": ("Designations", "命名"), "practices": ("Ecological practices", "生态实践"),
    "observations": ("Observations", "观测数据"),
    "designation": ("Designation", "命名"), "holder": ("Holder", "获得者"), "scheme": ("Scheme", "称号"),
    "batch": ("Batch", "批次"), "year": ("Year", "年份"), "source": ("Source", "来源"),
    "confidence": ("Confidence", "可信度"), "practice": ("Practice", "实践"), "place": ("Place", "地区"),
    "description": ("Description", "描述"), "observation": ("Observation", "观测"),
    "indicator": ("Indicator", "指标"), "value": ("Value", "数值"), "unit": ("Unit", "单位"),
    "result": ("Result", "结果"), "change": ("Change", "变化"),
    "sources_note": ("Statements on this page are cited to", "本页陈述的来源"),
    "formats": ("This description as", "本条目的数据格式"),
    "batches": ("Batches and holders", "批次与命名地区"), "batch_unknown": ("Batch unknown", "批次未知"),
    "ordinal": ("No.", "批次"), "batch_no": ("Batch {}", "第{}批"), "announced": ("Announced", "公布"), "holders": ("Holders", "命名地区"),
    "stated_total": ("Batch size stated by sources", "来源所述批次规模"),
    "chongqing_in_graph": ("Chongqing holders in this graph", "本图谱中的重庆地区"),
    "timeline": ("Timeline of batches", "批次时间线"),
    "timeline_caption": ("Bars per batch: the number of titles sources state for the whole batch, and the "
                         "number of Chongqing holders this graph records.",
                         "每个批次：来源所述的全批次称号数量，以及本图谱记录的重庆获得地区数量。"),
    "timeline_caption_cq": ("Bars per batch: the number of Chongqing holders this graph records.",
                            "每个批次：本图谱记录的重庆获得地区数量。"),
    "stated_totals": ("Totals stated by sources", "来源所述总数"), "region": ("Region", "地区"),
    "as_of": ("As of", "截至"), "in_graph": ("In this graph", "本图谱"),
    "no_holders": ("No holders recorded.", "暂无记录。"),
    "covers": ("What the graph covers", "图谱内容"), "counts": ("Counts", "数量"),
    "triples": ("triples", "三元组"), "schemes": ("Designation schemes", "称号"), "level": ("Level", "级别"),
    "titles_in_graph": ("titles in the graph", "个命名"),
    "cq_by_year": ("Chongqing's titles by year", "重庆历年获得的称号"),
    "cq_by_year_caption": ("Designations held by Chongqing and places in it, by year of naming and level of the scheme.",
                           "重庆及其辖区获得的命名，按命名年份与称号级别统计。"),
    "total": ("Total", "合计"), "year_unknown": ("year unknown", "年份未知"),
    "examples": ("Example queries", "示例查询"),
    "examples_text": ("Ask the graph anything in SPARQL; the query page has ready-made examples "
                      "(places by batch, stated counts against the graph, indicators by year…).",
                      "用 SPARQL 查询图谱；查询页面提供现成示例（按批次列出地区、来源数量与图谱对比、历年指标……）。"),
    "downloads_text": ("The whole graph as dumps (Turtle, N-Triples, TriG…), its VoID description and checksums, and "
                       "analysis-ready CSV tables with their CSV on the Web metadata.",
                       "整个图谱的数据文件（Turtle、N-Triples、TriG 等）、VoID 描述与校验和，以及分析用 CSV 表格及其 "
                       "CSV on the Web 元数据。"),
    "tables": ("Analysis-ready tables", "分析用表格"),
    "tables_text": ("CSV tables made from the graph: one row per designation, a county × year panel (with the code "
                    "in force each year) and each batch's stated size beside the designations recorded (the lists are "
                    "incomplete: a county not recorded is unknown, not undesignated).",
                    "由图谱生成的 CSV 表格：每个命名一行、县级单位×年份面板（含各年有效的区划代码），以及各批次声明数量与"
                    "图谱记录数量（名单并不完整：未记录的县为未知，而非未获命名）。"),
    "licence": ("Licence", "许可"),
    "licence_text": ("The data and ontology are dedicated to the public domain under CC0 1.0.",
                     "数据与本体以 CC0 1.0 贡献至公有领域。"),
    "cite": ("How to cite", "引用方式"),
    "cite_text": ("Cite the graph with its URI and the version you used; cite individual facts with the sources "
                  "linked on each page.", "引用图谱时请注明其 URI 与所用版本；引用具体事实时请同时注明各页面列出的来源。"),
    "browse": ("Browse", "浏览"), "members": ("members", "个成员"),
    "page": ("Page", "第"), "of": ("of", "页，共"), "prev": ("Previous", "上一页"), "next": ("Next", "下一页"),
    "results_for": ("Results for", "搜索结果："), "no_results": ("Nothing found.", "未找到结果。"),
    "classes": ("Classes", "类"), "properties": ("Properties", "属性"), "individuals": ("Individuals", "个体"),
    "domain": ("Domain", "定义域"), "range": ("Range", "值域"), "subclass_of": ("Subclass of", "父类"),
    "subproperty_of": ("Subproperty of", "父属性"), "equivalent": ("Equivalent to", "等价于"),
    "usage": ("Used in the data", "数据中使用次数"), "definition": ("Definition", "定义"),
    "list_members": ("List members", "列出成员"), "term": ("Term", "术语"), "label": ("Label", "标签"),
    "kind_object": ("object property", "对象属性"), "kind_datatype": ("datatype property", "数据属性"),
    "kind_annotation": ("annotation property", "注释属性"), "kind_property": ("property", "属性"),
    "reused_classes": ("Reused classes", "复用的类"), "reused_properties": ("Reused properties", "复用的属性"),
    "reused_text": ("Terms of other vocabularies that the ontology declares and the data uses.",
                    "本体声明、数据使用的其他词汇表中的术语。"),
    "not_found": ("Not found", "未找到"),
    "not_found_text": ("There is nothing in the graph at this address.", "图谱中没有此地址对应的条目。"),
    "files": ("Files", "文件"), "file": ("File", "文件"), "size": ("Size", "大小"), "sha256": ("SHA-256", "SHA-256"),
    "modified": ("Built", "生成时间"),
    "not_built": ("No dumps have been built on this server yet. Run `ecokg build` to write them into the dist folder.",
                  "此服务器尚未生成数据文件。请运行 `ecokg build` 将其写入 dist 目录。"),
    "void": ("VoID description of the dataset", "数据集的 VoID 描述"),
    "coordinates": ("Coordinates", "坐标"),
    "stated_in_sources": ("stated", "所述"),
}


def translate(key: str, lang: str) -> str:
    en, zh = TEXT.get(key, (key, key))
    return zh if lang == "zh" else en
